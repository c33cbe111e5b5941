//! A content-keyed cache of what each unchanged file told the repository model last time, so
//! that `--staged` and `--since` read and parse only what changed while the cross-file rules still
//! see the whole repository.
//!
//! Identity is Git's own. A tracked file whose work-tree content matches the index is known by
//! its blob id (`git ls-files -s`); `git diff-files` names every file whose content may differ,
//! racily-clean ones included, and those have no key. Untracked, modified, conflicted and
//! symlinked files have no key either and are read afresh, as is every file the change set names.
//! An entry is used only for the same path, blob id, file class, secretgate build and settings
//! (configuration file, packs): a stale entry cannot be looked up, so it cannot hide a finding.
//!
//! The cache lives in the Git directory (`secretgate/model-*.bin`, mode 0600), where the same
//! content already is. Anything unreadable in it is a cold cache, never an error; writes go to a
//! temporary file renamed into place, so a crash leaves the old cache or none.

use std::cell::RefCell;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::check::FileOutcome;
use crate::discover::{FileClass, git_stdout, nul_separated};
use crate::finding::Notice;
use crate::model::RawFile;
use crate::source::SourceFile;
use crate::suppress::Suppression;

/// Bumped whenever what is stored changes shape or meaning.
const FORMAT: u32 = 2;
const MAGIC: &[u8; 8] = b"SGMODEL\0";

thread_local! {
    /// The files locations are written against or read from: a location is stored as an index
    /// into this table and a span, never with its file.
    static TABLE: RefCell<Option<Vec<Arc<SourceFile>>>> = const { RefCell::new(None) };
}

/// `#[serde(with)]` for the `Arc<SourceFile>` of a location: stored as its index in the table
/// of the entry being written (a file not in it yet is added), read back from the table of the
/// entry being read. Without a table nothing is written or read.
pub mod file_ref {
    use super::*;
    use serde::{Deserializer, Serializer, de::Error as _, ser::Error as _};

    pub fn serialize<S: Serializer>(file: &Arc<SourceFile>, s: S) -> Result<S::Ok, S::Error> {
        let index = TABLE.with(|t| {
            let mut t = t.borrow_mut();
            let table = t.as_mut()?;
            // Same path is not enough: an embedded values text is a file of its own under the
            // path of the file that embeds it.
            let same = |f: &Arc<SourceFile>| Arc::ptr_eq(f, file) || (f.path == file.path && f.text == file.text);
            let i = match table.iter().position(same) {
                Some(i) => i,
                None => {
                    table.push(file.clone());
                    table.len() - 1
                }
            };
            u32::try_from(i).ok()
        });
        match index {
            Some(i) => s.serialize_u32(i),
            None => Err(S::Error::custom("no file table")),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Arc<SourceFile>, D::Error> {
        let i = u32::deserialize(d)? as usize;
        TABLE
            .with(|t| t.borrow().as_ref().and_then(|t| t.get(i).cloned()))
            .ok_or_else(|| D::Error::custom("a location outside the file table"))
    }
}

/// Runs `f` with `table` as the files locations refer to; returns what `f` returned and the
/// table, with any file `f` added.
fn with_table<T>(table: Vec<Arc<SourceFile>>, f: impl FnOnce() -> T) -> (T, Vec<Arc<SourceFile>>) {
    TABLE.with(|t| *t.borrow_mut() = Some(table));
    let out = f();
    let table = TABLE.with(|t| t.borrow_mut().take()).unwrap_or_default();
    (out, table)
}

#[derive(Debug, PartialEq, Eq, Serialize, Deserialize)]
struct Header {
    format: u32,
    /// The secretgate build: a rebuilt binary may extract different facts.
    build: String,
    /// Digest of the configuration file and of the options that change what a file yields.
    settings: String,
}

/// One file as it was last scanned.
#[derive(Debug, Serialize, Deserialize)]
pub struct Entry {
    path: String,
    oid: String,
    class: FileClass,
    /// A [`Payload`], decoded only when the entry is used.
    payload: Vec<u8>,
}

#[derive(Serialize, Deserialize)]
struct Payload {
    scanned: bool,
    notice: Option<String>,
    /// The file's text, kept when facts or suppressions point into it (code frames, positions).
    text: Option<String>,
    suppressions: Vec<Suppression>,
    /// A [`RawFile`] encoded with `text` as its file.
    model: Option<Vec<u8>>,
}

#[derive(Serialize, Deserialize)]
struct Stored {
    header: Header,
    entries: Vec<Entry>,
    /// Chart renders by the digest of everything they read ([`RenderCache`]).
    renders: Vec<(String, Vec<u8>)>,
}

/// The cache of one scanned folder, with this run's content keys.
pub struct ModelCache {
    path: PathBuf,
    header: Header,
    /// Blob id per path (relative to the scanned folder) for files whose content Git vouches for.
    keys: HashMap<String, String>,
    entries: HashMap<String, Entry>,
    renders: HashMap<String, Vec<u8>>,
    /// Paths whose entries [`ModelCache::take`] carried over.
    taken: std::collections::HashSet<String>,
}

impl ModelCache {
    /// Opens the cache of `base` (`None` when `base` is not in a Git work tree or Git cannot
    /// say which files are clean). `settings` is everything besides file content that changes
    /// what a file yields.
    pub fn open(base: &Path, settings: &[u8]) -> Option<ModelCache> {
        let git_dir = git_stdout(base, &["rev-parse", "--absolute-git-dir"])?;
        let git_dir = PathBuf::from(String::from_utf8_lossy(&git_dir).trim());
        let keys = clean_blobs(base)?;
        let canonical = base.canonicalize().ok()?;
        let name = sha256_hex(canonical.to_string_lossy().as_bytes())[..16].to_string();
        let path = git_dir.join("secretgate").join(format!("model-{name}.bin"));
        let header = Header { format: FORMAT, build: build_id(), settings: sha256_hex(settings) };
        let (entries, renders) = read(&path, &header).unwrap_or_default();
        Some(ModelCache { path, header, keys, entries, renders, taken: Default::default() })
    }

    /// An empty cache with no content keys, for tests of what is built on it.
    #[cfg(test)]
    pub(crate) fn empty() -> ModelCache {
        ModelCache {
            path: PathBuf::new(),
            header: Header { format: FORMAT, build: String::new(), settings: String::new() },
            keys: HashMap::new(),
            entries: HashMap::new(),
            renders: HashMap::new(),
            taken: Default::default(),
        }
    }

    /// The content key of `rel`, when Git vouches for its content.
    pub fn key(&self, rel: &str) -> Option<&str> {
        self.keys.get(rel).map(String::as_str)
    }

    /// What `rel` yielded when last scanned with this content and class, if known.
    pub fn lookup(&self, rel: &str, class: FileClass) -> Option<FileOutcome> {
        let e = self.entries.get(rel)?;
        if e.class != class || Some(e.oid.as_str()) != self.key(rel) {
            return None;
        }
        let p: Payload = postcard::from_bytes(&e.payload).ok()?;
        let source = p.text.map(|t| Arc::new(SourceFile::new(rel.to_string(), t)));
        let model = match (p.model, &source) {
            (Some(bytes), Some(file)) => {
                let (raw, _) = with_table(vec![file.clone()], || postcard::from_bytes::<RawFile>(&bytes));
                Some(raw.ok()?)
            }
            (None, _) => None,
            (Some(_), None) => return None,
        };
        Some(FileOutcome {
            findings: Vec::new(),
            notice: p.notice.map(|message| Notice { path: rel.to_string(), message }),
            source,
            scanned: p.scanned,
            model,
            suppressions: p.suppressions,
        })
    }

    /// The entry to store for a file just scanned (`None` without a content key, or when its
    /// facts cannot be stored).
    pub fn entry(&self, rel: &str, class: FileClass, outcome: &FileOutcome) -> Option<Entry> {
        let oid = self.key(rel)?.to_string();
        let text = (outcome.model.is_some() || !outcome.suppressions.is_empty())
            .then(|| outcome.source.as_ref().map(|s| s.text.clone()))
            .flatten();
        let model = match &outcome.model {
            Some(raw) => {
                let (bytes, table) = with_table(vec![raw.file.clone()], || postcard::to_allocvec(raw));
                // Raw facts point into their own file only; anything else is not stored.
                if table.len() != 1 {
                    return None;
                }
                Some(bytes.ok()?)
            }
            None => None,
        };
        if model.is_some() && text.is_none() {
            return None;
        }
        let payload = Payload {
            scanned: outcome.scanned,
            notice: outcome.notice.as_ref().map(|n| n.message.clone()),
            text,
            suppressions: outcome.suppressions.clone(),
            model,
        };
        let payload = postcard::to_allocvec(&payload).ok()?;
        Some(Entry { path: rel.to_string(), oid, class, payload })
    }

    /// The stored entry of `rel` as read (to carry an unchanged file over to the next cache).
    pub fn take(&mut self, rel: &str) -> Option<Entry> {
        let e = self.entries.remove(rel)?;
        self.taken.insert(rel.to_string());
        Some(e)
    }

    /// Replaces the cache with `entries` (those carried over with [`ModelCache::take`], and new
    /// ones) and `renders`, on a thread of its own; `None` when the cache already holds exactly
    /// that (the run read nothing the cache did not know), so nothing is written.
    pub fn save_in_background(
        self,
        entries: Vec<Entry>,
        renders: Vec<(String, Vec<u8>)>,
    ) -> Option<std::thread::JoinHandle<std::io::Result<()>>> {
        // Entries carried over are unchanged; every other one must equal the entry read for its
        // path, and no entry read may be left out.
        let fresh: Vec<&Entry> = entries.iter().filter(|e| !self.taken.contains(&e.path)).collect();
        let same_files = fresh.len() == self.entries.len()
            && fresh.iter().all(|e| {
                self.entries
                    .get(&e.path)
                    .is_some_and(|o| o.oid == e.oid && o.class == e.class && o.payload == e.payload)
            });
        let same_renders = renders.iter().all(|(k, _)| self.renders.contains_key(k));
        if same_files && same_renders {
            return None;
        }
        Some(std::thread::spawn(move || self.save(entries, renders)))
    }

    /// Replaces the cache with `entries` and `renders`: written to a temporary file and renamed
    /// into place.
    fn save(self, mut entries: Vec<Entry>, mut renders: Vec<(String, Vec<u8>)>) -> std::io::Result<()> {
        entries.sort_by(|a, b| a.path.cmp(&b.path));
        renders.sort_by(|a, b| a.0.cmp(&b.0));
        let stored = Stored { header: self.header, entries, renders };
        let body = postcard::to_allocvec(&stored).map_err(std::io::Error::other)?;
        let Some(dir) = self.path.parent() else { return Ok(()) };
        std::fs::create_dir_all(dir)?;
        let tmp = dir.join(format!(".model-{}.tmp", std::process::id()));
        let written = write_private(&tmp, &body).and_then(|()| std::fs::rename(&tmp, &self.path));
        if written.is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
        written
    }
}

fn write_private(path: &Path, body: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
    let mut f = opts.open(path)?;
    f.write_all(MAGIC)?;
    // No fsync: after a crash the rename may be lost or the file empty, and either reads as
    // a cold cache.
    f.write_all(body)
}

type Read = (HashMap<String, Entry>, HashMap<String, Vec<u8>>);

/// The entries of the cache at `path` if it was written for `header`.
fn read(path: &Path, header: &Header) -> Option<Read> {
    let bytes = std::fs::read(path).ok()?;
    let body = bytes.strip_prefix(MAGIC.as_slice())?;
    let stored: Stored = postcard::from_bytes(body).ok()?;
    if &stored.header != header {
        return None;
    }
    Some((stored.entries.into_iter().map(|e| (e.path.clone(), e)).collect(), stored.renders.into_iter().collect()))
}

/// A file of the tree as read from disk, and the SHA-256 of its text.
type Text = (Arc<SourceFile>, [u8; 32]);

/// What one render yielded, as the render cache keeps it.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct RenderBody {
    pub findings: Vec<crate::finding::Finding>,
    pub notices: Vec<Notice>,
    /// The rendered objects' facts (`None`: the chart did not render).
    pub facts: Option<Vec<crate::model::facts::ObjectFacts>>,
    pub renders: usize,
    pub keeps_values: Vec<String>,
}

#[derive(Serialize, Deserialize)]
struct RenderPayload {
    /// The files the body points into: path and SHA-256 of the text, checked on every use.
    files: Vec<(String, [u8; 32])>,
    /// A [`RenderBody`] encoded against `files`.
    body: Vec<u8>,
}

/// The render cache of one run: chart renders looked up and stored by a digest of everything
/// they read (every file of every chart folder, the values, the release), so that an unchanged
/// release is not rendered again. Texts are read from disk and checked against the digests the
/// entry recorded before anything in it is used.
pub struct RenderCache<'a> {
    cache: &'a ModelCache,
    base: &'a Path,
    /// Digest of the files of every chart folder (a render may read a dependency from any).
    charts: [u8; 32],
    texts: std::sync::Mutex<HashMap<String, Option<Text>>>,
    stored: std::sync::Mutex<Vec<(String, Vec<u8>)>>,
}

/// Accumulates the inputs of a render key.
pub struct KeyDigest(sha2::Sha256);

impl KeyDigest {
    pub fn add(&mut self, part: &[u8]) -> &mut Self {
        use sha2::Digest;
        // Length-prefixed, so that ("ab", "c") and ("a", "bc") differ.
        self.0.update((part.len() as u64).to_le_bytes());
        self.0.update(part);
        self
    }

    pub fn finish(self) -> String {
        use sha2::Digest;
        format!("{:x}", self.0.finalize())
    }
}

impl<'a> RenderCache<'a> {
    /// `chart_dirs`: every chart folder of the scan, relative to `base` with a trailing `/`.
    pub fn new(cache: &'a ModelCache, base: &'a Path, chart_dirs: &std::collections::BTreeSet<String>) -> Self {
        let mut listed = Vec::new();
        for dir in chart_dirs {
            list_files(&base.join(dir), dir, &mut listed, 0);
        }
        listed.sort();
        let mut d = KeyDigest(<sha2::Sha256 as sha2::Digest>::new());
        for (rel, abs, link) in &listed {
            d.add(rel.as_bytes());
            if let Some(target) = link {
                d.add(b"link").add(target.to_string_lossy().as_bytes());
            }
            match cache.key(rel) {
                Some(oid) => d.add(b"blob").add(oid.as_bytes()),
                None => d.add(b"sha256").add(&sha256(&std::fs::read(abs).unwrap_or_default())),
            };
        }
        let charts: [u8; 32] = {
            use sha2::Digest;
            d.0.finalize().into()
        };
        RenderCache { cache, base, charts, texts: Default::default(), stored: Default::default() }
    }

    /// A digest to add a render's inputs to; it already holds every chart file.
    pub fn digest(&self) -> KeyDigest {
        let mut d = KeyDigest(<sha2::Sha256 as sha2::Digest>::new());
        d.add(b"render-v1").add(&self.charts);
        d
    }

    /// The content identity of a file of the tree: its blob id when Git vouches for it, else a
    /// digest of what is on disk (`None`: unreadable).
    pub fn file_identity(&self, rel: &str) -> Option<Vec<u8>> {
        match self.cache.key(rel) {
            Some(oid) => Some(oid.as_bytes().to_vec()),
            None => self.text(rel).map(|(_, digest)| digest.to_vec()),
        }
    }

    fn text(&self, rel: &str) -> Option<Text> {
        let mut texts = self.texts.lock().ok()?;
        texts
            .entry(rel.to_string())
            .or_insert_with(|| {
                let text = std::fs::read_to_string(self.base.join(rel)).ok()?;
                let digest = sha256(text.as_bytes());
                Some((Arc::new(SourceFile::new(rel.to_string(), text)), digest))
            })
            .clone()
    }

    /// The cached render under `key`, with the files it points into, if every one of them still
    /// has the text it had.
    pub fn lookup(&self, key: &str) -> Option<(RenderBody, Vec<Arc<SourceFile>>)> {
        let bytes = self.cache.renders.get(key)?;
        let payload: RenderPayload = postcard::from_bytes(bytes).ok()?;
        let mut table = Vec::with_capacity(payload.files.len());
        for (path, digest) in &payload.files {
            let (file, now) = self.text(path)?;
            if &now != digest {
                return None;
            }
            table.push(file);
        }
        let (body, table) = with_table(table, || postcard::from_bytes::<RenderBody>(&payload.body));
        let body = body.ok()?;
        if let Ok(mut stored) = self.stored.lock() {
            stored.push((key.to_string(), bytes.clone()));
        }
        Some((body, table))
    }

    /// Stores what a render yielded; `sources` are the files its findings point into. Nothing
    /// is stored when a location points into a text that is not a file of the tree.
    pub fn store(&self, key: String, body: &RenderBody, sources: Vec<Arc<SourceFile>>) {
        let (encoded, table) = with_table(sources, || postcard::to_allocvec(body));
        let Ok(body) = encoded else { return };
        let mut files = Vec::with_capacity(table.len());
        for f in &table {
            match self.text(&f.path) {
                Some((disk, digest)) if disk.text == f.text => files.push((f.path.clone(), digest)),
                _ => return,
            }
        }
        if let Ok(payload) = postcard::to_allocvec(&RenderPayload { files, body })
            && let Ok(mut stored) = self.stored.lock()
        {
            stored.push((key, payload));
        }
    }

    /// The renders to keep: those stored or used in this run.
    pub fn finish(self) -> Vec<(String, Vec<u8>)> {
        let mut out = self.stored.into_inner().unwrap_or_default();
        out.sort_by(|a, b| a.0.cmp(&b.0));
        out.dedup_by(|a, b| a.0 == b.0);
        out
    }
}

/// Every file under `abs` (the chart loader reads ignored files too), with where a symlink
/// points; symlinked folders are named, not followed.
fn list_files(abs: &Path, rel: &str, out: &mut Vec<(String, PathBuf, Option<PathBuf>)>, depth: usize) {
    let Ok(dir) = std::fs::read_dir(abs) else { return };
    for entry in dir.flatten() {
        let child = format!("{rel}{}", entry.file_name().to_string_lossy());
        let Ok(ft) = entry.file_type() else { continue };
        if ft.is_dir() && depth < 32 {
            list_files(&entry.path(), &format!("{child}/"), out, depth + 1);
        } else if ft.is_symlink() {
            let target = std::fs::read_link(entry.path()).ok();
            out.push((child, entry.path(), target));
        } else if ft.is_file() {
            out.push((child, entry.path(), None));
        }
    }
}

/// Blob ids of the tracked regular files under `base` whose work-tree content matches the index.
fn clean_blobs(base: &Path) -> Option<HashMap<String, String>> {
    let listed = git_stdout(base, &["ls-files", "-s", "-z"])?;
    let mut keys = HashMap::new();
    let mut conflicted = Vec::new();
    for record in listed.split(|&b| b == 0).filter(|r| !r.is_empty()) {
        let record = std::str::from_utf8(record).ok()?;
        let (meta, path) = record.split_once('\t')?;
        let mut fields = meta.split(' ');
        let (mode, oid, stage) = (fields.next()?, fields.next()?, fields.next()?);
        if stage != "0" {
            conflicted.push(path.to_string());
        } else if mode == "100644" || mode == "100755" {
            keys.insert(path.to_string(), oid.to_string());
        }
    }
    let dirty = git_stdout(base, &["diff-files", "--name-only", "--relative", "-z"])?;
    for path in nul_separated(&dirty) {
        keys.remove(&path);
    }
    for path in conflicted {
        keys.remove(&path);
    }
    Some(keys)
}

/// This build of secretgate: version plus the executable's size and modification time, so that
/// a rebuilt binary never trusts facts an older one extracted.
fn build_id() -> String {
    let exe = std::env::current_exe().ok().and_then(|p| std::fs::metadata(p).ok());
    let stamp = exe.map(|m| {
        let mtime = m.modified().ok().and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok());
        format!("{}:{}", m.len(), mtime.map_or(0, |d| d.as_nanos()))
    });
    format!("{}:{}", env!("CARGO_PKG_VERSION"), stamp.unwrap_or_default())
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    format!("{:x}", sha2::Sha256::digest(bytes))
}

fn sha256(bytes: &[u8]) -> [u8; 32] {
    use sha2::Digest;
    sha2::Sha256::digest(bytes).into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::source::yaml;

    fn raw(path: &str, text: &str) -> RawFile {
        let file = Arc::new(SourceFile::new(path.into(), text.into()));
        let loaded = yaml::load(&file);
        RawFile::read(&file, FileClass::Manifest, &loaded.documents, &Config::default()).expect("facts")
    }

    #[test]
    fn facts_survive_a_round_trip_with_their_positions() {
        let text = "apiVersion: external-secrets.io/v1\nkind: ExternalSecret\nmetadata:\n  name: db\nspec:\n  \
                    secretStoreRef: {kind: ClusterSecretStore, name: vault}\n  target: {name: db}\n  data:\n    \
                    - secretKey: password\n      remoteRef: {key: app/db, property: password}\n";
        let before = raw("apps/db.yaml", text);
        let (bytes, table) = with_table(vec![before.file.clone()], || postcard::to_allocvec(&before));
        assert_eq!(table.len(), 1);
        let file = Arc::new(SourceFile::new("apps/db.yaml".into(), text.into()));
        let (after, _) = with_table(vec![file.clone()], || postcard::from_bytes::<RawFile>(&bytes.expect("encode")));
        let after = after.expect("decode");
        assert_eq!(format!("{:?}", before.facts), format!("{:?}", after.facts));
        let es = after.facts[0].external_secret.as_ref().expect("an ExternalSecret");
        assert_eq!(es.refs[0].key.text, "app/db");
        assert_eq!(es.refs[0].key.loc.position().line, 10);
        assert!(Arc::ptr_eq(&es.refs[0].key.loc.file, &file));
    }

    #[test]
    fn locations_need_a_file_table() {
        let r = raw("a.yaml", "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\n");
        let other = Arc::new(SourceFile::new("b.yaml".into(), String::new()));
        let (bytes, table) = with_table(vec![other], || postcard::to_allocvec(&r));
        assert!(bytes.is_ok());
        assert_eq!(table.len(), 2, "a file outside the table is added to it");
        assert!(postcard::to_allocvec(&r).is_err(), "no table: refused, not guessed");
        let (back, _) = with_table(Vec::new(), || postcard::from_bytes::<RawFile>(&bytes.expect("encode")));
        assert!(back.is_err(), "an index outside the table is an error");
    }

    #[test]
    fn a_text_under_another_files_path_is_its_own_table_entry() {
        use crate::model::facts::Loc;
        use crate::source::Span;
        let disk = Arc::new(SourceFile::new("apps/app.yaml".into(), "a: 1\nvalues: |\n  b: 2\n".into()));
        let embedded = Arc::new(SourceFile::new("apps/app.yaml".into(), "b: 2\n".into()));
        let at = |file: &Arc<SourceFile>| Loc { file: file.clone(), span: Span::new(0, 1) };
        let locs = vec![at(&disk), at(&embedded), at(&disk.clone())];
        let (bytes, table) = with_table(Vec::new(), || postcard::to_allocvec(&locs));
        assert!(bytes.is_ok());
        assert_eq!(table.len(), 2, "same path, other text: not the same file");
        assert_eq!(table[1].text, "b: 2\n");
    }

    fn empty_cache(keys: &[(&str, &str)]) -> ModelCache {
        ModelCache { keys: keys.iter().map(|(p, o)| (p.to_string(), o.to_string())).collect(), ..ModelCache::empty() }
    }

    #[test]
    fn every_file_of_every_chart_folder_keys_the_renders() {
        let dir = tempfile::tempdir().expect("tempdir");
        let base = dir.path();
        let put = |rel: &str, text: &str| {
            let p = base.join(rel);
            std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
            std::fs::write(p, text).expect("write");
        };
        put("charts/app/Chart.yaml", "name: app\n");
        put("charts/app/templates/_helpers.tpl", "{{ define \"a\" }}x{{ end }}\n");
        put("charts/lib/Chart.yaml", "name: lib\n");
        let dirs: std::collections::BTreeSet<String> = ["charts/app/".into(), "charts/lib/".into()].into();
        let cache = empty_cache(&[]);
        let digest = || RenderCache::new(&cache, base, &dirs).charts;
        let first = digest();
        assert_eq!(digest(), first, "the same files, the same key");
        put("charts/app/templates/_helpers.tpl", "{{ define \"a\" }}y{{ end }}\n");
        let helper = digest();
        assert_ne!(helper, first, "a helper no finding points into still counts");
        put("charts/app/charts/dep-1.0.0.tgz", "not really a tarball");
        let archive = digest();
        assert_ne!(archive, helper, "a file Git may ignore (a vendored archive) counts");
        put("charts/lib/values.yaml", "a: 1\n");
        assert_ne!(digest(), archive, "a dependency's folder counts");

        // A file Git vouches for is known by its blob id, not read.
        let keyed = empty_cache(&[("charts/lib/values.yaml", "0123abcd")]);
        let before = RenderCache::new(&keyed, base, &dirs).charts;
        put("charts/lib/values.yaml", "a: 2\n");
        assert_eq!(RenderCache::new(&keyed, base, &dirs).charts, before);
    }

    #[test]
    fn a_damaged_cache_reads_as_empty() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("model.bin");
        let header = Header { format: FORMAT, build: "b".into(), settings: "s".into() };
        for bytes in [&b""[..], b"SGMODEL\0", b"SGMODEL\0\xff\xff\xff\xff\xff\xff", b"not a cache at all"] {
            std::fs::write(&path, bytes).expect("write");
            assert!(read(&path, &header).is_none());
        }
        let stored =
            Stored { header: Header { settings: "other".into(), ..header }, entries: Vec::new(), renders: Vec::new() };
        let mut bytes = MAGIC.to_vec();
        bytes.extend(postcard::to_allocvec(&stored).expect("encode"));
        std::fs::write(&path, bytes).expect("write");
        let header = Header { format: FORMAT, build: "b".into(), settings: "s".into() };
        assert!(read(&path, &header).is_none(), "other settings: not used");
    }
}

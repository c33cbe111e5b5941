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
use std::process::Command;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::check::FileOutcome;
use crate::discover::FileClass;
use crate::finding::Notice;
use crate::model::RawFile;
use crate::source::SourceFile;
use crate::suppress::Suppression;

/// Bumped whenever what is stored changes shape or meaning.
const FORMAT: u32 = 1;
const MAGIC: &[u8; 8] = b"SGMODEL\0";

thread_local! {
    /// The file whose facts are being written or read: every location in a raw file's facts
    /// points into it, so the cache stores spans and never repeats the file.
    static CURRENT: RefCell<Option<Arc<SourceFile>>> = const { RefCell::new(None) };
}

/// `#[serde(with)]` for the `Arc<SourceFile>` fields of a raw file's facts: nothing is stored; the
/// file is the one being read. A location in any other file cannot be cached (the entry is then
/// simply not written).
pub mod same_file {
    use super::*;
    use serde::{Deserializer, Serializer, de::Error as _, ser::Error as _};

    pub fn serialize<S: Serializer>(file: &Arc<SourceFile>, s: S) -> Result<S::Ok, S::Error> {
        let same = CURRENT.with(|c| c.borrow().as_ref().is_some_and(|cur| Arc::ptr_eq(cur, file)));
        if !same {
            return Err(S::Error::custom("a location outside the cached file"));
        }
        s.serialize_unit()
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Arc<SourceFile>, D::Error> {
        <()>::deserialize(d)?;
        CURRENT.with(|c| c.borrow().clone()).ok_or_else(|| D::Error::custom("no current file"))
    }
}

/// Runs `f` with `file` as the file locations refer to.
fn with_file<T>(file: &Arc<SourceFile>, f: impl FnOnce() -> T) -> T {
    CURRENT.with(|c| *c.borrow_mut() = Some(file.clone()));
    let out = f();
    CURRENT.with(|c| *c.borrow_mut() = None);
    out
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
}

/// The cache of one scanned folder, with this run's content keys.
pub struct ModelCache {
    path: PathBuf,
    header: Header,
    /// Blob id per path (relative to the scanned folder) for files whose content Git vouches for.
    keys: HashMap<String, String>,
    entries: HashMap<String, Entry>,
}

impl ModelCache {
    /// Opens the cache of `base` (`None` when `base` is not in a Git work tree or Git cannot
    /// say which files are clean). `settings` is everything besides file content that changes
    /// what a file yields.
    pub fn open(base: &Path, settings: &[u8]) -> Option<ModelCache> {
        let git_dir = git(base, &["rev-parse", "--absolute-git-dir"])?;
        let git_dir = PathBuf::from(String::from_utf8_lossy(&git_dir).trim());
        let keys = clean_blobs(base)?;
        let canonical = base.canonicalize().ok()?;
        let name = hex(&sha256(canonical.to_string_lossy().as_bytes())[..8]);
        let path = git_dir.join("secretgate").join(format!("model-{name}.bin"));
        let header = Header { format: FORMAT, build: build_id(), settings: hex(&sha256(settings)) };
        let entries = read(&path, &header).unwrap_or_default();
        Some(ModelCache { path, header, keys, entries })
    }

    /// The content key of `rel`, when Git vouches for its content.
    pub fn key(&self, rel: &str) -> Option<&str> {
        self.keys.get(rel).map(String::as_str)
    }

    /// Entries read from disk.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
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
                let raw: RawFile = with_file(file, || postcard::from_bytes(&bytes)).ok()?;
                Some(raw)
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
            Some(raw) => Some(with_file(&raw.file, || postcard::to_allocvec(raw)).ok()?),
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
        self.entries.remove(rel)
    }

    /// Replaces the cache with `entries`: written to a temporary file and renamed into place.
    pub fn save(self, mut entries: Vec<Entry>) -> std::io::Result<()> {
        entries.sort_by(|a, b| a.path.cmp(&b.path));
        let stored = Stored { header: self.header, entries };
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

/// The entries of the cache at `path` if it was written for `header`.
fn read(path: &Path, header: &Header) -> Option<HashMap<String, Entry>> {
    let bytes = std::fs::read(path).ok()?;
    let body = bytes.strip_prefix(MAGIC.as_slice())?;
    let stored: Stored = postcard::from_bytes(body).ok()?;
    if &stored.header != header {
        return None;
    }
    Some(stored.entries.into_iter().map(|e| (e.path.clone(), e)).collect())
}

/// Blob ids of the tracked regular files under `base` whose work-tree content matches the index.
fn clean_blobs(base: &Path) -> Option<HashMap<String, String>> {
    let listed = git(base, &["ls-files", "-s", "-z"])?;
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
    let dirty = git(base, &["diff-files", "--name-only", "--relative", "-z"])?;
    for path in dirty.split(|&b| b == 0).filter(|r| !r.is_empty()) {
        keys.remove(String::from_utf8_lossy(path).as_ref());
    }
    for path in conflicted {
        keys.remove(&path);
    }
    Some(keys)
}

fn git(dir: &Path, args: &[&str]) -> Option<Vec<u8>> {
    let out = Command::new("git").arg("-C").arg(dir).args(args).stderr(std::process::Stdio::null()).output().ok()?;
    out.status.success().then_some(out.stdout)
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

fn sha256(bytes: &[u8]) -> [u8; 32] {
    use sha2::Digest;
    sha2::Sha256::digest(bytes).into()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
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
        let bytes = with_file(&before.file, || postcard::to_allocvec(&before)).expect("encode");
        let file = Arc::new(SourceFile::new("apps/db.yaml".into(), text.into()));
        let after: RawFile = with_file(&file, || postcard::from_bytes(&bytes)).expect("decode");
        assert_eq!(format!("{:?}", before.facts), format!("{:?}", after.facts));
        let es = after.facts[0].external_secret.as_ref().expect("an ExternalSecret");
        assert_eq!(es.refs[0].key.text, "app/db");
        assert_eq!(es.refs[0].key.loc.position().line, 10);
        assert!(Arc::ptr_eq(&es.refs[0].key.loc.file, &file));
    }

    #[test]
    fn a_location_in_another_file_is_not_cached() {
        let r = raw("a.yaml", "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\n");
        let other = Arc::new(SourceFile::new("b.yaml".into(), String::new()));
        assert!(with_file(&other, || postcard::to_allocvec(&r)).is_err());
        assert!(postcard::to_allocvec(&r).is_err(), "no current file: refused, not guessed");
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
        let stored = Stored { header: Header { settings: "other".into(), ..header }, entries: Vec::new() };
        let mut bytes = MAGIC.to_vec();
        bytes.extend(postcard::to_allocvec(&stored).expect("encode"));
        std::fs::write(&path, bytes).expect("write");
        let header = Header { format: FORMAT, build: "b".into(), settings: "s".into() };
        assert!(read(&path, &header).is_none(), "other settings: not used");
    }
}

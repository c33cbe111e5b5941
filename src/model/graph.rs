//! The per-environment model: every object that matters for Secrets (raw manifests placed by
//! their Kustomize/Flux/Argo CD entry points, and the rendered output of every release of the
//! environment), with resolved namespaces, the effective fixture map, and an index from Secret
//! name to producers. Cross-file rules read this; they never walk files or render.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use super::RawFile;
use super::facts::{ExternalSecret, Named, ObjectFacts, Producer, RawLocator, StoreRef};
use super::fixtures::{FixtureEntry, FixtureLayer, normalize_key};
use crate::config::Config;
use crate::gitops::kustomize::{Placed, Placement};
use crate::gitops::{ChartRef, Release, ValuesSource};
use crate::source::SourceFile;
use crate::source::yaml::Node;

/// What serves an ExternalSecret's keys.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Backend {
    /// A Vault/OpenBao store; the KV mount its keys are relative to.
    Vault { mount: String },
    /// Another provider (1Password, AWS, …): Vault fixtures do not apply.
    Other,
    /// The store is not in the model.
    Unknown,
}

/// Kinds that live outside namespaces.
const CLUSTER_SCOPED: &[&str] = &["ClusterSecretStore", "ClusterExternalSecret", "ClusterPushSecret", "Namespace"];

/// Facts from one render of a chart.
#[derive(Debug)]
pub struct RenderedFacts {
    /// Index into the discovered releases, if the render was one.
    pub release: Option<usize>,
    /// Environments the render is for (`None`: every environment).
    pub envs: Option<Vec<String>>,
    pub namespace: String,
    pub facts: Vec<ObjectFacts>,
}

/// One object as deployed in one environment.
#[derive(Clone, Debug)]
pub struct PlacedObject {
    pub facts: Arc<ObjectFacts>,
    /// Resolved namespace; `None` for cluster-scoped objects and for objects whose namespace
    /// nothing in the repository decides (they match any namespace).
    pub namespace: Option<String>,
    /// The release that rendered it, if any.
    pub release: Option<usize>,
    /// Rendered from a chart no release deploys, with its defaults: what the chart would create,
    /// not what the repository deploys.
    pub hypothetical: bool,
    /// The alternative Kustomize installs that include it; `None` when it is deployed whatever
    /// else is (see [`crate::gitops::kustomize::Placement::installs_of`]).
    pub installs: Option<Arc<std::collections::BTreeSet<String>>>,
}

impl PlacedObject {
    pub fn ns_label(&self) -> &str {
        self.namespace.as_deref().unwrap_or("-")
    }

    /// Whether the two can be deployed together: not when each comes only from alternative
    /// installs and no install includes both.
    pub fn deployed_with(&self, other: &PlacedObject) -> bool {
        match (&self.installs, &other.installs) {
            (Some(a), Some(b)) => !a.is_disjoint(b),
            _ => true,
        }
    }
}

#[derive(Debug)]
pub struct EnvModel {
    /// `None` when the repository defines no environments.
    pub name: Option<String>,
    pub managed: bool,
    pub objects: Vec<PlacedObject>,
    /// Fixture layers in merge order: shared first, then the environment's own.
    pub fixture_layers: Vec<Arc<FixtureLayer>>,
    /// Effective fixture map: key → (layer, entry).
    fixtures: BTreeMap<String, (usize, usize)>,
    /// Vault keys something else writes in this environment (`vaultKey:` values).
    pub vault_keys: Vec<Named>,
    /// Releases of this environment (indices into the discovery).
    pub releases: Vec<usize>,
    /// (namespace, name) of this environment's releases whose chart is not in the tree: they
    /// create Secrets (`<release>-…`) the model cannot see.
    pub unrendered: Vec<(String, String)>,
    producers: HashMap<String, Vec<(usize, usize)>>,
    /// Stores by name (object indices).
    stores: HashMap<String, Vec<usize>>,
}

#[derive(Debug, Default)]
pub struct Model {
    pub envs: Vec<EnvModel>,
    /// The values layers of every release (files and inline values), by release index.
    pub release_values: Vec<ReleaseValues>,
    /// Store kinds that charts the scan could not render may define.
    pub unseen_store_kinds: BTreeSet<String>,
    /// Vault keys some ExternalSecret of any environment reads, and whether one reads keys that
    /// cannot be listed (`find`, templated keys): computed once, for every environment's rules.
    pub fixture_readers: std::sync::OnceLock<(BTreeSet<String>, bool)>,
}

/// One parsed values layer of a release.
#[derive(Debug, Clone)]
pub struct ValuesRoot {
    pub file: Arc<SourceFile>,
    pub root: Node,
}

/// The values layers of one release, lowest precedence first.
#[derive(Debug, Clone, Default)]
pub struct ReleaseValues {
    pub layers: Vec<ValuesRoot>,
}

impl ReleaseValues {
    /// Effective scalar leaves: key path → the node of the highest layer that sets it (maps
    /// merge, anything else replaces, as Helm layers values files).
    pub fn leaves(&self) -> BTreeMap<String, (usize, &Node)> {
        let mut out = BTreeMap::new();
        for (i, layer) in self.layers.iter().enumerate() {
            let mut path = Vec::new();
            super::walk(&layer.root, &mut path, &mut |p, _key, value| {
                if value.as_map().is_none() {
                    let key = super::path_string(p);
                    // A list replaces the lower layer's list as a whole.
                    if value.as_seq().is_some() {
                        let prefix = format!("{key}[");
                        out.retain(|k: &String, _| !k.starts_with(&prefix));
                    }
                    out.insert(key, (i, value));
                }
            });
        }
        out
    }
}

pub struct Inputs<'a> {
    pub placement: &'a Placement,
    pub releases: &'a [Release],
    /// Known environments; empty: the repository has none.
    pub envs: &'a [String],
    pub config: &'a Config,
    /// Reads a values file of the tree.
    pub read: &'a dyn Fn(&str) -> Option<Arc<SourceFile>>,
}

impl Model {
    pub fn build(raw: Vec<RawFile>, rendered: Vec<RenderedFacts>, inp: &Inputs<'_>) -> Model {
        let names: Vec<Option<String>> =
            if inp.envs.is_empty() { vec![None] } else { inp.envs.iter().cloned().map(Some).collect() };
        let mut envs: Vec<EnvModel> = names
            .iter()
            .map(|n| EnvModel {
                managed: n.as_deref().is_some_and(|n| inp.config.is_managed(n)),
                name: n.clone(),
                objects: Vec::new(),
                fixture_layers: Vec::new(),
                fixtures: BTreeMap::new(),
                vault_keys: Vec::new(),
                releases: Vec::new(),
                unrendered: Vec::new(),
                producers: HashMap::new(),
                stores: HashMap::new(),
            })
            .collect();
        let index_of = |env: &Option<String>| -> Vec<usize> {
            match env {
                _ if inp.envs.is_empty() => vec![0],
                None => (0..names.len()).collect(),
                Some(e) => names.iter().position(|n| n.as_deref() == Some(e.as_str())).into_iter().collect(),
            }
        };
        // Shared fixture layers before environment ones, each group in path order.
        let mut shared_layers = Vec::new();
        let mut env_layers = Vec::new();
        for mut f in raw {
            let unplaced = [Placed { namespace: None, forced: false, env: None, vars: Arc::default() }];
            let placements = match inp.placement.of(&f.file.path) {
                [] => &unplaced[..],
                some => some,
            };
            let plain: Vec<Arc<ObjectFacts>> = std::mem::take(&mut f.facts).into_iter().map(Arc::new).collect();
            let installs = inp.placement.installs_of(&f.file.path);
            for p in placements {
                let (env, ns, forced) = (p.env.clone().or(f.env.clone()), p.namespace.clone(), p.forced);
                // Flux variables change names: extract again under them.
                let facts: Vec<Arc<ObjectFacts>> = if !p.vars.is_empty() && !f.templated.is_empty() {
                    let l = RawLocator { file: &f.file, vars: &p.vars };
                    let docs = crate::source::yaml::load(&f.file).documents;
                    f.templated
                        .iter()
                        .filter_map(|&i| docs.get(i))
                        .flat_map(|doc| super::facts::extract(&doc.root, &l))
                        .map(Arc::new)
                        .collect()
                } else {
                    plain.clone()
                };
                for i in index_of(&env) {
                    for o in &facts {
                        let namespace = if CLUSTER_SCOPED.contains(&o.kind.as_str()) {
                            None
                        } else if forced {
                            ns.clone()
                        } else {
                            o.namespace.clone().or(ns.clone())
                        };
                        envs[i].objects.push(PlacedObject {
                            facts: o.clone(),
                            namespace,
                            release: None,
                            hypothetical: false,
                            installs: installs.clone(),
                        });
                    }
                }
            }
            if let Some(layer) = f.fixtures.take() {
                let layer = Arc::new(layer);
                match &f.env {
                    None => shared_layers.push(layer),
                    Some(e) => env_layers.push((e.clone(), layer)),
                }
            }
            for i in index_of(&f.env) {
                envs[i].vault_keys.extend(f.vault_keys.iter().cloned());
            }
        }
        for r in rendered {
            let targets: Vec<usize> = match &r.envs {
                None => index_of(&None),
                Some(list) => list.iter().flat_map(|e| index_of(&Some(e.clone()))).collect(),
            };
            let facts: Vec<Arc<ObjectFacts>> = r.facts.into_iter().map(Arc::new).collect();
            for i in targets {
                if let Some(rel) = r.release
                    && !envs[i].releases.contains(&rel)
                {
                    envs[i].releases.push(rel);
                }
                for o in &facts {
                    let namespace = if CLUSTER_SCOPED.contains(&o.kind.as_str()) {
                        None
                    } else {
                        o.namespace.clone().or(Some(r.namespace.clone()))
                    };
                    envs[i].objects.push(PlacedObject {
                        facts: o.clone(),
                        namespace,
                        release: r.release,
                        hypothetical: r.release.is_none(),
                        installs: None,
                    });
                }
            }
        }
        let release_values: Vec<ReleaseValues> = inp.releases.iter().map(|r| release_values(r, inp.read)).collect();
        for (i, r) in inp.releases.iter().enumerate() {
            let slots = match &r.chart {
                // A chart outside the tree cannot render: its values slots are the consumers.
                ChartRef::Remote(what) => slot_consumers(r, what, &release_values[i]),
                ChartRef::Local(_) => None,
            };
            for e in index_of(&r.env) {
                if !envs[e].releases.contains(&i) {
                    envs[e].releases.push(i);
                }
                if matches!(r.chart, ChartRef::Remote(_)) {
                    envs[e].unrendered.push((r.namespace.clone(), r.name.clone()));
                }
                if let Some(o) = &slots {
                    envs[e].objects.push(PlacedObject {
                        facts: o.clone(),
                        namespace: Some(r.namespace.clone()),
                        release: Some(i),
                        hypothetical: false,
                        installs: None,
                    });
                }
            }
        }
        if let Some(declared) = declared_secrets(inp.config) {
            for (o, list) in declared {
                let targets: Vec<usize> = if list.is_empty() {
                    index_of(&None)
                } else {
                    list.iter().flat_map(|e| index_of(&Some(e.clone()))).collect()
                };
                for i in targets {
                    envs[i].objects.push(o.clone());
                }
            }
        }
        for env in &mut envs {
            env.fixture_layers = shared_layers.clone();
            env.fixture_layers
                .extend(env_layers.iter().filter(|(e, _)| Some(e) == env.name.as_ref()).map(|(_, l)| l.clone()));
            for (li, layer) in env.fixture_layers.iter().enumerate() {
                for (ei, entry) in layer.entries.iter().enumerate() {
                    env.fixtures.insert(entry.key.text.clone(), (li, ei));
                }
            }
            for (oi, o) in env.objects.iter().enumerate() {
                if o.facts.store.is_some() {
                    env.stores.entry(o.facts.name_text().to_string()).or_default().push(oi);
                }
                for (pi, p) in o.facts.producers.iter().enumerate() {
                    env.producers.entry(p.secret.text.clone()).or_default().push((oi, pi));
                }
            }
            env.releases.sort_unstable();
        }
        Model { envs, release_values, ..Model::default() }
    }
}

/// The config's `declared-secrets`, as producers placed in their environments.
fn declared_secrets(config: &Config) -> Option<Vec<(PlacedObject, Vec<String>)>> {
    use super::facts::{Keys, Loc, Producer, ProducerKind};
    if config.declared_secrets.is_empty() {
        return None;
    }
    let path = config.path.as_ref()?;
    let text = std::fs::read_to_string(path).ok()?;
    let file = Arc::new(SourceFile::new(".secretgate.yaml".to_string(), text));
    let mut out = Vec::new();
    for d in &config.declared_secrets {
        let at = file.text.find(&d.name).unwrap_or(0);
        let loc = Loc { file: file.clone(), span: crate::source::Span::new(at, at) };
        let name = Named { text: d.name.clone(), loc: loc.clone(), origin: None };
        let keys = if d.keys.is_empty() { Keys::Open } else { Keys::Known(d.keys.clone()) };
        let facts = ObjectFacts {
            kind: "declared".into(),
            name: Some(name.clone()),
            namespace: d.namespace.clone(),
            loc,
            producers: vec![Producer {
                secret: name,
                keys,
                kind: ProducerKind::Declared,
                by: "declared-secrets".into(),
                owns: false,
            }],
            consumers: Vec::new(),
            external_secret: None,
            store: None,
            push_secret: None,
            cnpg_roles: Vec::new(),
            dev_only: false,
        };
        out.push((
            PlacedObject {
                facts: Arc::new(facts),
                namespace: d.namespace.clone(),
                release: None,
                hypothetical: false,
                installs: None,
            },
            d.environments.clone(),
        ));
    }
    Some(out)
}

fn release_values(r: &Release, read: &dyn Fn(&str) -> Option<Arc<SourceFile>>) -> ReleaseValues {
    let mut layers = Vec::new();
    for v in &r.values {
        match v {
            ValuesSource::File(rel) => {
                let Some(file) = read(rel) else { continue };
                if let Some(doc) = crate::source::yaml::load(&file).documents.into_iter().next() {
                    layers.push(ValuesRoot { file, root: doc.root });
                }
            }
            ValuesSource::Inline { file, node } => layers.push(ValuesRoot { file: file.clone(), root: node.clone() }),
            ValuesSource::Text { .. } | ValuesSource::Set { .. } => {}
        }
    }
    ReleaseValues { layers }
}

/// Secret references in the values of a release whose chart is not in the tree, as consumers:
/// `existingSecret`-style slots, and pod-spec shapes the chart passes through
/// (`envFrom[].secretRef.name`, `secretKeyRef: {name, key}`, `secret.secretName`).
fn slot_consumers(r: &Release, chart: &str, values: &ReleaseValues) -> Option<Arc<ObjectFacts>> {
    use super::facts::{Consumer, Loc, Via};
    let by = format!("release {} ({chart})", r.name);
    let leaves = values.leaves();
    let named = |layer: usize, node: &Node| -> Option<Named> {
        // `existingSecret: null`/`true` are toggles and defaults, not names.
        let text = crate::rules::values::literal_scalar(node)?.text.as_str();
        let text = crate::gitops::kustomize::substitute(text, &r.vars);
        (!super::facts::templated(&text)).then(|| Named {
            text,
            loc: Loc { file: values.layers[layer].file.clone(), span: node.span },
            origin: None,
        })
    };
    let mut consumers = Vec::new();
    for (path, &(layer, node)) in &leaves {
        let last = path.rsplit('.').next().unwrap_or(path);
        let key = last.split('[').next().unwrap_or(last);
        let norm = crate::rules::values::normalize_key(key);
        let (via, key_node) = if let Some(base) = path.strip_suffix(".secretKeyRef.name") {
            (Via::SecretKeyRef, leaves.get(&format!("{base}.secretKeyRef.key")))
        } else if path.ends_with(".secretRef.name") {
            (Via::EnvFrom, None)
        } else if path.ends_with(".secret.secretName") {
            (Via::Volume, None)
        } else if norm.ends_with("existingsecret") || norm.ends_with("existingsecretname") || norm == "existingsecrets"
        {
            (Via::ValuesSlot, None)
        } else {
            continue;
        };
        let Some(secret) = named(layer, node) else { continue };
        let optional = path
            .rsplit_once('.')
            .and_then(|(base, _)| leaves.get(&format!("{base}.optional")))
            .and_then(|(_, n)| n.as_scalar())
            .and_then(|s| s.as_bool())
            == Some(true);
        let key = key_node.and_then(|&(l, n)| named(l, n));
        consumers.push(Consumer { secret, key, optional, via, by: by.clone() });
    }
    let first = consumers.first()?.secret.loc.clone();
    Some(Arc::new(ObjectFacts {
        kind: "Release".into(),
        name: Some(Named { text: r.name.clone(), loc: first.clone(), origin: None }),
        namespace: Some(r.namespace.clone()),
        loc: first,
        producers: Vec::new(),
        consumers,
        external_secret: None,
        store: None,
        push_secret: None,
        cnpg_roles: Vec::new(),
        dev_only: false,
    }))
}

impl EnvModel {
    /// The environment's name for messages (`default` when the repository has none).
    pub fn label(&self) -> &str {
        self.name.as_deref().unwrap_or("default")
    }

    /// Producers of Secret `name` visible from namespace `ns` (an unknown namespace on either
    /// side matches any).
    pub fn producers_of<'a>(
        &'a self,
        ns: Option<&'a str>,
        name: &str,
    ) -> impl Iterator<Item = (&'a PlacedObject, &'a Producer)> + 'a {
        self.producers.get(name).into_iter().flatten().filter_map(move |&(oi, pi)| {
            let o = &self.objects[oi];
            let p = &o.facts.producers[pi];
            let ns_ok = match (ns, o.namespace.as_deref(), &o.facts.external_secret) {
                // A ClusterExternalSecret produces in the namespaces it lists (all, by selector).
                (Some(n), _, Some(es)) if es.is_cluster => {
                    es.cluster_namespaces.as_ref().is_none_or(|list| list.iter().any(|x| x == n))
                }
                (Some(a), Some(b), _) => a == b,
                _ => true,
            };
            ns_ok.then_some((o, p))
        })
    }

    /// Whether a Secret `name` in `ns` is probably made by a chart the scan could not render:
    /// its name starts with such a release's name, as charts name their own Secrets.
    pub fn maybe_from_unrendered_chart(&self, ns: Option<&str>, name: &str) -> bool {
        self.unrendered.iter().any(|(rns, rname)| {
            ns.is_none_or(|n| n == rns)
                && name.strip_prefix(rname.as_str()).is_some_and(|rest| rest.is_empty() || rest.starts_with('-'))
        })
    }

    /// Whether the environment manages its Secrets declaratively (ExternalSecrets, SealedSecrets,
    /// declared out-of-band Secrets): only then is a reference nothing produces a finding. An
    /// application's own repository (its Deployment expecting a Secret the operator creates by
    /// hand or a Job generates) has none.
    pub fn manages_secrets(&self) -> bool {
        use super::facts::ProducerKind;
        self.objects.iter().any(|o| {
            !o.hypothetical
                && !crate::check::is_test_or_doc(o.facts.loc.path())
                && o.facts.producers.iter().any(|p| {
                    matches!(
                        p.kind,
                        ProducerKind::ExternalSecret
                            | ProducerKind::ClusterExternalSecret
                            | ProducerKind::SealedSecret
                            | ProducerKind::Declared
                    )
                })
        })
    }

    /// Whether the environment has a fixture map at all.
    pub fn has_fixtures(&self) -> bool {
        !self.fixtures.is_empty()
    }

    /// The effective fixture entry for `key`.
    pub fn fixture(&self, key: &str) -> Option<&FixtureEntry> {
        self.fixtures.get(key).map(|&(l, e)| &self.fixture_layers[l].entries[e])
    }

    /// Every effective fixture entry, by key.
    pub fn fixture_entries(&self) -> impl Iterator<Item = &FixtureEntry> {
        self.fixtures.values().map(|&(l, e)| &self.fixture_layers[l].entries[e])
    }

    /// Every ExternalSecret (and ClusterExternalSecret) of the environment.
    pub fn external_secrets(&self) -> impl Iterator<Item = (&PlacedObject, &ExternalSecret)> {
        self.objects.iter().filter_map(|o| o.facts.external_secret.as_deref().map(|es| (o, es)))
    }

    /// What serves an ExternalSecret's keys.
    pub fn backend(&self, o: &PlacedObject, es: &ExternalSecret) -> Backend {
        let Some(r) = &es.store else { return Backend::Unknown };
        let Some(store) = self.store_for(o.namespace.as_deref(), r).and_then(|s| s.facts.store.as_ref()) else {
            return Backend::Unknown;
        };
        match &store.vault {
            Some(v) => Backend::Vault { mount: v.path.as_ref().map_or_else(|| "secret".into(), |p| p.text.clone()) },
            None => Backend::Other,
        }
    }

    /// The KV mount an ExternalSecret reads the environment's fixture-seeded Vault through: its
    /// store is a Vault store, or unknown while the environment has fixtures.
    pub fn fixture_mount(&self, o: &PlacedObject, es: &ExternalSecret) -> Option<String> {
        match self.backend(o, es) {
            Backend::Vault { mount } => Some(mount),
            Backend::Unknown if self.has_fixtures() => Some("secret".into()),
            _ => None,
        }
    }

    /// Vault keys something other than the bootstrap writes here: `vaultKey:` values (a client
    /// patcher, a reconciler) and PushSecret targets.
    pub fn writers(&self) -> BTreeSet<String> {
        let mut out: BTreeSet<String> = self.vault_keys.iter().map(|k| normalize_key(&k.text, "secret")).collect();
        for o in &self.objects {
            if let Some(ps) = &o.facts.push_secret {
                out.extend(ps.remote_keys.iter().map(|k| normalize_key(&k.text, "secret")));
            }
        }
        out
    }

    /// The store an ExternalSecret in `ns` refers to: a SecretStore of that namespace, or a
    /// ClusterSecretStore.
    pub fn store_for(&self, ns: Option<&str>, r: &StoreRef) -> Option<&PlacedObject> {
        self.stores.get(&r.name.text)?.iter().map(|&i| &self.objects[i]).find(|o| {
            let Some(store) = &o.facts.store else { return false };
            store.is_cluster == r.is_cluster()
                && (store.is_cluster || ns.is_none() || o.namespace.is_none() || o.namespace.as_deref() == ns)
        })
    }

    /// Every store of the environment named `name`.
    pub fn stores_named(&self, name: &str) -> impl Iterator<Item = &PlacedObject> {
        self.stores.get(name).into_iter().flatten().map(|&i| &self.objects[i])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::SourceFile;
    use crate::source::yaml;

    fn raw(path: &str, text: &str) -> RawFile {
        let file = Arc::new(SourceFile::new(path.into(), text.into()));
        let class = crate::discover::classify(path, &Default::default());
        let docs = yaml::load(&file).documents;
        RawFile::read(&file, class, &docs, &Config::default()).unwrap()
    }

    #[test]
    fn producers_resolve_by_namespace_and_environment() {
        let files = vec![
            raw(
                "env/dev/es.yaml",
                "apiVersion: external-secrets.io/v1\nkind: ExternalSecret\nmetadata: {name: db, namespace: app}\nspec:\n  secretStoreRef: {name: vault}\n  data: [{secretKey: password, remoteRef: {key: db}}]\n",
            ),
            raw(
                "shared/secret.yaml",
                "apiVersion: v1\nkind: Secret\nmetadata: {name: tls}\nstringData: {tls.crt: x}\n",
            ),
            raw("sources/values/_shared/vault-bootstrap.yaml", "fixtures:\n  db: __generate__\n  other: x\n"),
            raw("sources/values/env/prod/vault-bootstrap.yaml", "fixtures:\n  other: \"\"\n"),
        ];
        let envs = vec!["dev".to_string(), "prod".to_string()];
        let placement = Placement::default();
        let cfg = Config::default();
        let read = |_: &str| None;
        let m = Model::build(
            files,
            Vec::new(),
            &Inputs { placement: &placement, releases: &[], envs: &envs, config: &cfg, read: &read },
        );
        let dev = &m.envs[0];
        assert_eq!(dev.producers_of(Some("app"), "db").count(), 1);
        assert_eq!(dev.producers_of(Some("other"), "db").count(), 0);
        assert_eq!(dev.producers_of(Some("anything"), "tls").count(), 1, "unknown namespace matches any");
        assert_eq!(m.envs[1].producers_of(None, "db").count(), 0, "dev's ExternalSecret is not in prod");
        use crate::model::fixtures::ValueClass;
        assert_eq!(dev.fixture("other").map(|e| e.class), Some(ValueClass::Literal));
        assert_eq!(m.envs[1].fixture("other").map(|e| e.class), Some(ValueClass::Required));
        assert!(m.envs[1].managed && !dev.managed);
    }
}

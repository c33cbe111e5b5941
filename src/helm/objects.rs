//! The Go objects a chart's templates reach through dot: `.Files` and `.Capabilities`.

use std::collections::BTreeMap;
use std::rc::Rc;

use super::chart::ChartFile;
use super::value::{GoObject, Value};

/// `.Files`: the chart's non-template files, by name.
#[derive(Debug, Clone, Default)]
pub struct Files {
    pub files: BTreeMap<String, Rc<Vec<u8>>>,
}

impl Files {
    pub fn new(from: &[ChartFile]) -> Self {
        Files { files: from.iter().map(|f| (f.name.clone(), Rc::new(f.data.clone()))).collect() }
    }

    fn get(&self, name: &str) -> String {
        self.files.get(name).map(|d| String::from_utf8_lossy(d).into_owned()).unwrap_or_default()
    }

    fn glob(&self, pattern: &str) -> Files {
        // gobwas/glob with '/' as separator: `*` stays within a segment, `**` crosses them.
        let matcher = globset::GlobBuilder::new(pattern)
            .literal_separator(true)
            .build()
            .or_else(|_| globset::Glob::new("**"))
            .map(|g| g.compile_matcher());
        let files = match matcher {
            Ok(m) => {
                self.files.iter().filter(|(n, _)| m.is_match(n.as_str())).map(|(n, d)| (n.clone(), d.clone())).collect()
            }
            Err(_) => BTreeMap::new(),
        };
        Files { files }
    }

    fn as_map(&self, encode: impl Fn(&[u8]) -> String) -> Value {
        let m: BTreeMap<String, Value> = self
            .files
            .iter()
            .map(|(k, v)| (k.rsplit('/').next().unwrap_or(k).to_string(), Value::str(encode(v))))
            .collect();
        Value::map(m)
    }
}

impl GoObject for Files {
    fn type_name(&self) -> &'static str {
        "engine.files"
    }

    fn field(&self, name: &str) -> Option<Value> {
        match name {
            "AsConfig" | "AsSecrets" => self.call(name, &[]).and_then(Result::ok),
            _ => None,
        }
    }

    fn call(&self, name: &str, args: &[Value]) -> Option<Result<Value, String>> {
        let arg = |i: usize| args.get(i).and_then(Value::as_str).unwrap_or("");
        Some(Ok(match name {
            "Get" => Value::str(self.get(arg(0))),
            "GetBytes" => Value::str(self.get(arg(0))),
            "Glob" => Value::Object(Rc::new(self.glob(arg(0)))),
            // An empty (non-nil) Files marshals as `{}`, as Helm's `toYAML` of an empty map does.
            "AsConfig" => Value::str(to_yaml(&self.as_map(|d| String::from_utf8_lossy(d).into_owned()))),
            "AsSecrets" => Value::str(to_yaml(&self.as_map(b64))),
            "Lines" => {
                let text = self.get(arg(0));
                if text.is_empty() {
                    Value::list(Vec::new())
                } else {
                    let t = text.strip_suffix('\n').unwrap_or(&text);
                    Value::list(t.split('\n').map(Value::str).collect())
                }
            }
            _ => return None,
        }))
    }

    /// Go's `%v` of a `map[string][]byte`: every byte as a decimal number. A chart that
    /// stringifies its root context (a `dict` key, `printf "%v" $`) prints all of its files,
    /// megabytes for a chart with CRDs, so this writes into one buffer.
    fn display(&self) -> String {
        let size: usize = self.files.iter().map(|(k, v)| k.len() + 4 * v.len() + 4).sum();
        let mut out = String::with_capacity(size + 5);
        out.push_str("map[");
        for (i, (k, v)) in self.files.iter().enumerate() {
            if i > 0 {
                out.push(' ');
            }
            out.push_str(k);
            out.push_str(":[");
            for (j, b) in v.iter().enumerate() {
                if j > 0 {
                    out.push(' ');
                }
                let (h, t, o) = (b / 100, b / 10 % 10, b % 10);
                if h > 0 {
                    out.push(char::from(b'0' + h));
                }
                if h > 0 || t > 0 {
                    out.push(char::from(b'0' + t));
                }
                out.push(char::from(b'0' + o));
            }
            out.push(']');
        }
        out.push(']');
        out
    }

    /// `range $path, $bytes := .Files.Glob "x/*"`, `len`, and an empty Glob is false. The
    /// contents are `[]byte` in Go; here they are their (lossy UTF-8) text.
    fn entries(&self) -> Option<Vec<(String, Value)>> {
        Some(self.files.iter().map(|(k, v)| (k.clone(), Value::str(String::from_utf8_lossy(v)))).collect())
    }
}

/// Helm's `toYAML`: marshal, drop the trailing newline, "" on error.
fn to_yaml(v: &Value) -> String {
    super::funcs::yaml::to_yaml_string(v)
        .map(|s| s.strip_suffix('\n').map(str::to_string).unwrap_or(s))
        .unwrap_or_default()
}

fn b64(data: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        out.push(T[(n >> 18) as usize & 63] as char);
        out.push(T[(n >> 12) as usize & 63] as char);
        out.push(if chunk.len() > 1 { T[(n >> 6) as usize & 63] as char } else { '=' });
        out.push(if chunk.len() > 2 { T[n as usize & 63] as char } else { '=' });
    }
    out
}

/// `.Capabilities.KubeVersion`.
#[derive(Debug, Clone)]
pub struct KubeVersion {
    /// As given, with a `v` prefix (`GitVersion`).
    pub version: String,
    pub normalized: String,
    pub major: String,
    pub minor: String,
}

impl KubeVersion {
    /// Parses `1.20`, `v1.20.0`, `1.33.4-gke.1`, like Kubernetes' `ParseGeneric`.
    pub fn parse(text: &str) -> Result<KubeVersion, String> {
        let t = text.trim();
        let core = t.strip_prefix('v').unwrap_or(t);
        let num_end = core.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(core.len());
        let nums: Vec<&str> = core[..num_end].split('.').collect();
        if nums.len() < 2 || nums.len() > 3 || nums.iter().any(|n| n.is_empty() || n.parse::<u64>().is_err()) {
            return Err(format!("invalid kube version '{text}': could not parse \"{text}\" as version"));
        }
        let major = nums[0].parse::<u64>().unwrap_or(0).to_string();
        let minor = nums[1].parse::<u64>().unwrap_or(0).to_string();
        let patch = nums.get(2).and_then(|p| p.parse::<u64>().ok()).unwrap_or(0);
        let version = if t.starts_with('v') { t.to_string() } else { format!("v{t}") };
        Ok(KubeVersion { normalized: format!("v{major}.{minor}.{patch}"), version, major, minor })
    }
}

impl GoObject for KubeVersion {
    fn type_name(&self) -> &'static str {
        "common.KubeVersion"
    }

    fn field(&self, name: &str) -> Option<Value> {
        Some(Value::str(match name {
            "Version" | "GitVersion" => self.version.clone(),
            "Major" => self.major.clone(),
            "Minor" => self.minor.clone(),
            "String" => self.normalized.clone(),
            _ => return None,
        }))
    }

    fn call(&self, name: &str, args: &[Value]) -> Option<Result<Value, String>> {
        if args.is_empty() { self.field(name).map(Ok) } else { None }
    }

    fn display(&self) -> String {
        self.normalized.clone()
    }
}

/// `.Capabilities.APIVersions`.
#[derive(Debug, Clone)]
pub struct VersionSet(pub Vec<String>);

impl GoObject for VersionSet {
    fn type_name(&self) -> &'static str {
        "common.VersionSet"
    }

    fn field(&self, _name: &str) -> Option<Value> {
        None
    }

    fn call(&self, name: &str, args: &[Value]) -> Option<Result<Value, String>> {
        match name {
            "Has" => Some(Ok(Value::Bool(
                args.first().and_then(Value::as_str).is_some_and(|v| self.0.iter().any(|x| x == v)),
            ))),
            _ => None,
        }
    }

    fn display(&self) -> String {
        format!("[{}]", self.0.join(" "))
    }
}

/// `.Capabilities.HelmVersion`.
#[derive(Debug, Clone)]
pub struct HelmVersion;

impl GoObject for HelmVersion {
    fn type_name(&self) -> &'static str {
        "version.BuildInfo"
    }

    fn field(&self, name: &str) -> Option<Value> {
        Some(Value::str(match name {
            "Version" => "v4.3.1",
            "GitCommit" | "GitTreeState" => "",
            "GoVersion" => "go1.27.2",
            "KubeClientVersion" => "v1.37",
            _ => return None,
        }))
    }

    fn call(&self, name: &str, args: &[Value]) -> Option<Result<Value, String>> {
        if args.is_empty() { self.field(name).map(Ok) } else { None }
    }

    fn display(&self) -> String {
        "{v4.3.1   go1.27.2 v1.37}".to_string()
    }
}

/// `.Capabilities`.
#[derive(Debug, Clone)]
pub struct Capabilities {
    pub kube: Rc<KubeVersion>,
    pub api_versions: Rc<VersionSet>,
}

impl GoObject for Capabilities {
    fn type_name(&self) -> &'static str {
        "*common.Capabilities"
    }

    fn field(&self, name: &str) -> Option<Value> {
        match name {
            "KubeVersion" => Some(Value::Object(self.kube.clone())),
            "APIVersions" => Some(Value::Object(self.api_versions.clone())),
            "HelmVersion" => Some(Value::Object(Rc::new(HelmVersion))),
            _ => None,
        }
    }

    fn call(&self, name: &str, args: &[Value]) -> Option<Result<Value, String>> {
        if args.is_empty() { self.field(name).map(Ok) } else { None }
    }

    fn display(&self) -> String {
        format!("&{{{} {} {}}}", self.kube.display(), self.api_versions.display(), HelmVersion.display())
    }
}

/// The API group versions client-go's scheme knows (what `.Capabilities.APIVersions` holds
/// without `--api-versions`): the built-in groups of Kubernetes 1.3x.
pub const DEFAULT_API_VERSIONS: &[&str] = &[
    "v1",
    "admissionregistration.k8s.io/v1",
    "admissionregistration.k8s.io/v1beta1",
    "admissionregistration.k8s.io/v1alpha1",
    "apiextensions.k8s.io/v1",
    "apiextensions.k8s.io/v1beta1",
    "apps/v1",
    "apps/v1beta1",
    "apps/v1beta2",
    "authentication.k8s.io/v1",
    "authentication.k8s.io/v1beta1",
    "authentication.k8s.io/v1alpha1",
    "authorization.k8s.io/v1",
    "authorization.k8s.io/v1beta1",
    "autoscaling/v1",
    "autoscaling/v2",
    "autoscaling/v2beta1",
    "autoscaling/v2beta2",
    "batch/v1",
    "batch/v1beta1",
    "certificates.k8s.io/v1",
    "certificates.k8s.io/v1beta1",
    "certificates.k8s.io/v1alpha1",
    "coordination.k8s.io/v1",
    "coordination.k8s.io/v1beta1",
    "coordination.k8s.io/v1alpha2",
    "discovery.k8s.io/v1",
    "discovery.k8s.io/v1beta1",
    "events.k8s.io/v1",
    "events.k8s.io/v1beta1",
    "extensions/v1beta1",
    "flowcontrol.apiserver.k8s.io/v1",
    "flowcontrol.apiserver.k8s.io/v1beta1",
    "flowcontrol.apiserver.k8s.io/v1beta2",
    "flowcontrol.apiserver.k8s.io/v1beta3",
    "internal.apiserver.k8s.io/v1alpha1",
    "networking.k8s.io/v1",
    "networking.k8s.io/v1beta1",
    "networking.k8s.io/v1alpha1",
    "node.k8s.io/v1",
    "node.k8s.io/v1beta1",
    "node.k8s.io/v1alpha1",
    "policy/v1",
    "policy/v1beta1",
    "rbac.authorization.k8s.io/v1",
    "rbac.authorization.k8s.io/v1beta1",
    "rbac.authorization.k8s.io/v1alpha1",
    "resource.k8s.io/v1",
    "resource.k8s.io/v1beta1",
    "resource.k8s.io/v1beta2",
    "resource.k8s.io/v1alpha3",
    "scheduling.k8s.io/v1",
    "scheduling.k8s.io/v1beta1",
    "scheduling.k8s.io/v1alpha1",
    "storage.k8s.io/v1",
    "storage.k8s.io/v1beta1",
    "storage.k8s.io/v1alpha1",
    "storagemigration.k8s.io/v1alpha1",
];

#[cfg(test)]
mod tests {
    use super::*;

    /// `%v` of `.Files` as Go prints a `map[string][]byte`.
    #[test]
    fn files_display_as_go_prints_a_byte_map() {
        let files = Files {
            files: BTreeMap::from([
                ("a.txt".to_string(), Rc::new(vec![0, 9, 10, 99, 100, 255])),
                ("b".to_string(), Rc::new(Vec::new())),
            ]),
        };
        assert_eq!(files.display(), "map[a.txt:[0 9 10 99 100 255] b:[]]");
        assert_eq!(Files { files: BTreeMap::new() }.display(), "map[]");
    }
}

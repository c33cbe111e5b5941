//! `secret-generator-literal`: Kustomize generates a Secret from values kept in the repository.

use crate::discover::FileClass;
use crate::finding::Severity;
use crate::rules::{DocContext, Hits, Pack, Rule, RuleMeta};
use crate::source::Span;

pub struct SecretGeneratorLiteral;

static META: RuleMeta = RuleMeta {
    id: "secret-generator-literal",
    pack: Pack::Manifests,
    severity: Severity::Error,
    summary: "A Kustomize `secretGenerator` takes literals or committed files as secret data.",
    docs: r#"
## What it does
Flags `secretGenerator` entries of a Kustomization that put secret material in Git: every
`literals` item with a non-empty literal value, and `envs`/`files` entries that point at a file
committed next to the kustomization (a file that is git-ignored and created at deploy time is
fine).

## Why is this bad?
`secretGenerator` is a convenient way to commit a plaintext Secret by another name: the literal
or the `.env` file is in the repository, its history and every fork.

## Example
```yaml
secretGenerator:
  - name: db
    literals:
      - password=dbpassword
```

## Use instead
An ExternalSecret that reads the value from Vault, listed under `resources:`.
"#,
};

impl Rule for SecretGeneratorLiteral {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &DocContext<'_>, hits: &mut Hits) {
        let root = &cx.doc.root;
        let is_kustomization = cx.class == FileClass::Kustomization || root.get_str("kind") == Some("Kustomization");
        if !is_kustomization {
            return;
        }
        let Some(generators) = root.get("secretGenerator").and_then(|n| n.as_seq()) else { return };
        let dir = cx.file.path.rsplit_once('/').map(|(d, _)| format!("{d}/")).unwrap_or_default();
        for generator in generators {
            let name = generator.get_str("name").unwrap_or("-");
            for literal in generator.get("literals").and_then(|n| n.as_seq()).unwrap_or_default() {
                let Some(text) = literal.as_str() else { continue };
                let Some((key, value)) = text.split_once('=') else { continue };
                // `client-id=kubeflow-oidc-authservice` names the client; its secret is the finding.
                if crate::rules::values::is_non_literal_text(value)
                    || crate::rules::values::is_identifier_key(key, cx.policy)
                {
                    continue;
                }
                // The secret is the part after `=`; for plain scalars we can point at it exactly.
                let raw = cx.text(literal.span);
                let at = raw
                    .find(text)
                    .map(|i| Span::new(literal.span.start + i + key.len() + 1, literal.span.start + i + text.len()))
                    .unwrap_or(literal.span);
                hits.report(at, format!("secretGenerator `{name}` has a literal value for `{key}`"))
                    .identity(format!("Kustomization:secretGenerator/{name}/literals/{key}"))
                    .secret(at)
                    .help("generate the Secret from Vault with an ExternalSecret instead");
            }
            for field in ["envs", "files", "env"] {
                let entries: Vec<_> = match generator.get(field) {
                    Some(n) if n.as_seq().is_some() => n.as_seq().unwrap_or_default().iter().collect(),
                    Some(n) if n.as_str().is_some() => vec![n],
                    _ => continue,
                };
                for entry in entries {
                    let Some(text) = entry.as_str() else { continue };
                    let file = text.split_once('=').map_or(text, |(_, f)| f);
                    let rel = crate::discover::normalize(&format!("{dir}{file}")).unwrap_or_default();
                    if !cx.repo_files.contains(&rel) {
                        continue;
                    }
                    // An env file's literals are `dotenv-credential` findings at the values
                    // themselves; a second finding here would report the same secret twice.
                    if field != "files"
                        && crate::discover::classify(&rel, &Default::default()) == crate::discover::FileClass::Dotenv
                    {
                        continue;
                    }
                    hits.report(
                        entry.span,
                        format!("secretGenerator `{name}` reads `{file}`, which is committed to the repository"),
                    )
                    .identity(format!("Kustomization:secretGenerator/{name}/{field}/{file}"))
                    .help("keep the file out of Git, or deliver the Secret from Vault with an ExternalSecret");
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::RuleTester;

    #[test]
    fn secret_generator_literal() {
        let t = RuleTester::new(&SecretGeneratorLiteral)
            .class(FileClass::Kustomization)
            .repo_file("secrets/db.env")
            .repo_file("secrets/db.properties");
        t.pass(&[
            "resources: [es.yaml]\n",
            // dotenv-credential reports the env file's literals where they are.
            "secretGenerator:\n  - name: db\n    envs: [secrets/db.env]\n",
            "secretGenerator:\n  - name: db\n    envs: [missing.env]\n",
            "secretGenerator:\n  - name: db\n    literals: [\"password=${DB_PASSWORD}\"]\n",
            "configMapGenerator:\n  - name: c\n    literals: [a=b]\n",
            "secretGenerator:\n  - name: oidc\n    literals: [client-id=kubeflow-oidc-authservice, username=admin]\n",
        ])
        .fail(&[
            "secretGenerator:\n  - name: db\n    literals:\n      - password=dbpassword\n",
            "secretGenerator:\n  - name: db\n    envs: [secrets/db.properties]\n",
            "secretGenerator:\n  - name: db\n    files: [password=secrets/db.env]\n",
        ]);
    }

    #[test]
    fn points_at_the_literal_value() {
        let t = RuleTester::new(&SecretGeneratorLiteral).class(FileClass::Kustomization);
        let hits = t.run("secretGenerator:\n  - name: db\n    literals:\n      - password=dbpassword\n");
        assert_eq!(hits[0].text, "dbpassword");
        assert_eq!((hits[0].start.line, hits[0].start.column), (4, 18));
    }
}

//! `secretgate releases`: every Helm release the repository declares, per environment, with
//! its chart, namespace, values layers in order and where it is declared — so a user can see why
//! a chart rendered the way it did.

use std::io::{self, Write};

use crate::gitops::{ChartRef, Release, ValuesSource};

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ReleasesFormat {
    Text,
    Json,
}

fn values_list(r: &Release) -> Vec<String> {
    let mut out = Vec::new();
    if let ChartRef::Local(dir) = &r.chart {
        out.push(format!("{dir}values.yaml (chart defaults)"));
    }
    out.extend(r.values.iter().map(ValuesSource::describe));
    out
}

pub fn write(releases: &[&Release], format: ReleasesFormat, out: &mut dyn Write) -> io::Result<()> {
    match format {
        ReleasesFormat::Json => {
            let v: Vec<serde_json::Value> = releases
                .iter()
                .map(|r| {
                    serde_json::json!({
                        "name": r.name,
                        "namespace": r.namespace,
                        "env": r.env,
                        "chart": r.chart.describe(),
                        "chart_in_tree": matches!(r.chart, ChartRef::Local(_)),
                        "values": values_list(r),
                        "source": r.source,
                        "declared": {"path": r.declared_path, "line": r.declared_at.line, "column": r.declared_at.column},
                    })
                })
                .collect();
            serde_json::to_writer_pretty(&mut *out, &v)?;
            writeln!(out)
        }
        ReleasesFormat::Text => {
            if releases.is_empty() {
                return writeln!(out, "no releases declared (charts render with their own values)");
            }
            for r in releases {
                let remote =
                    if matches!(r.chart, ChartRef::Remote(_)) { " (not in the tree: not rendered)" } else { "" };
                writeln!(
                    out,
                    "{} {}/{}  chart {}{remote}",
                    r.env.as_deref().unwrap_or("*"),
                    r.namespace,
                    r.name,
                    r.chart.describe()
                )?;
                writeln!(
                    out,
                    "  declared by {} at {}:{}:{}",
                    r.source.as_str(),
                    r.declared_path,
                    r.declared_at.line,
                    r.declared_at.column
                )?;
                for (i, v) in values_list(r).iter().enumerate() {
                    writeln!(out, "  {}. {v}", i + 1)?;
                }
            }
            Ok(())
        }
    }
}

//! Renders every chart root under a folder in one process and prints the wall time: the
//! in-process half of the render benchmark (`scripts/helm_diff.py` times the per-process half).
//!
//!     cargo run --release --example render_all -- ../shared/corpus

use std::path::{Path, PathBuf};
use std::time::Instant;

use secretgate::helm::{chart, render};

fn chart_roots(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    let mut entries: Vec<_> = entries.flatten().map(|e| e.path()).collect();
    entries.sort();
    if dir.join("Chart.yaml").is_file() {
        out.push(dir.to_path_buf());
        return; // subcharts render with their parent
    }
    for p in entries {
        if p.is_dir() {
            chart_roots(&p, out);
        }
    }
}

fn main() {
    let root = std::env::args().nth(1).map_or_else(|| PathBuf::from("../shared/corpus"), PathBuf::from);
    let mut charts = Vec::new();
    chart_roots(&root, &mut charts);
    let opts =
        render::RenderOptions { release_name: "rel".into(), kube_version: Some("1.30.0".into()), ..Default::default() };
    let started = Instant::now();
    let (mut ok, mut failed, mut bytes) = (0, 0, 0);
    for c in &charts {
        match chart::load(c).map_err(render::RenderError::from).and_then(|ch| render::render(ch, &opts)) {
            Ok(out) => {
                ok += 1;
                bytes += out.text.len();
            }
            Err(_) => failed += 1,
        }
    }
    let elapsed = started.elapsed();
    println!("rendered {ok} charts ({failed} failed, {bytes} bytes of output) in {:.3} s", elapsed.as_secs_f64());
}

//! A one-line progress display for long scans on a terminal: the phase and, while files are
//! checked, how many of them. Silent unless the CLI asks for it (stderr is a TTY); it never
//! prints a path or any content, only counts.

use std::io::Write;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Shared between the scan (which counts) and the display thread (which draws).
#[derive(Debug, Default)]
pub struct Progress {
    phase: Mutex<&'static str>,
    done: AtomicUsize,
    total: AtomicUsize,
}

impl Progress {
    /// Starts a phase; `total` 0 shows no count.
    pub fn phase(&self, name: &'static str, total: usize) {
        if let Ok(mut p) = self.phase.lock() {
            *p = name;
        }
        self.done.store(0, Ordering::Relaxed);
        self.total.store(total, Ordering::Relaxed);
    }

    pub fn tick(&self) {
        self.done.fetch_add(1, Ordering::Relaxed);
    }

    fn line(&self) -> String {
        let phase = self.phase.lock().map(|p| *p).unwrap_or("");
        match self.total.load(Ordering::Relaxed) {
            0 => format!("secretgate: {phase}…"),
            total => format!("secretgate: {phase} {}/{total}", self.done.load(Ordering::Relaxed).min(total)),
        }
    }
}

/// Draws `progress` on stderr every 100 ms until dropped, then clears the line. Short scans
/// (under half a second) never draw at all.
pub struct Display {
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Display {
    pub fn start(progress: Arc<Progress>) -> Display {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::spawn(move || {
            let mut waited = Duration::ZERO;
            let mut drawn = false;
            while !flag.load(Ordering::Relaxed) {
                std::thread::sleep(Duration::from_millis(100));
                waited += Duration::from_millis(100);
                if waited < Duration::from_millis(500) {
                    continue;
                }
                let mut err = std::io::stderr().lock();
                let _ = write!(err, "\r\x1b[2K{}", progress.line());
                let _ = err.flush();
                drawn = true;
            }
            if drawn {
                let mut err = std::io::stderr().lock();
                let _ = write!(err, "\r\x1b[2K");
                let _ = err.flush();
            }
        });
        Display { stop, thread: Some(thread) }
    }
}

impl Drop for Display {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_per_phase() {
        let p = Progress::default();
        p.phase("checking files", 3);
        p.tick();
        p.tick();
        assert_eq!(p.line(), "secretgate: checking files 2/3");
        p.phase("rendering charts", 0);
        assert_eq!(p.line(), "secretgate: rendering charts…");
    }
}

/// Wall time per phase, printed to stderr when `SECRETGATE_TIMINGS` is set: what a benchmark
/// reads to say where the time went. Only phase names and milliseconds, never a path.
#[derive(Debug)]
pub struct Timings {
    on: bool,
    last: std::time::Instant,
}

impl Timings {
    pub fn start() -> Timings {
        Timings { on: std::env::var_os("SECRETGATE_TIMINGS").is_some(), last: std::time::Instant::now() }
    }

    /// Ends the phase called `name`.
    pub fn mark(&mut self, name: &str) {
        if self.on {
            let now = std::time::Instant::now();
            eprintln!("secretgate timing: {name:<22} {:>7.1} ms", (now - self.last).as_secs_f64() * 1000.0);
            self.last = now;
        }
    }
}

//! Instruction counts of every case under callgrind: the primary, noise-free
//! figure of `bench/run`.
//!
//! Without arguments (as `cargo bench --bench callgrind` runs it), it runs
//! itself under `valgrind --tool=callgrind` once per case, counting only
//! inside the case function (`--toggle-collect`, inclusive of what it
//! calls), and prints one line per case and variant:
//!
//! ```text
//! callgrind <case> <variant> <instructions per call>
//! ```
//!
//! `--run <case>_<variant> <iterations>` is what it runs under valgrind.
//! `CTXMGR_BENCH_ITERS` sets the iterations (default 1000).

mod common;

use std::path::PathBuf;
use std::process::{Command, ExitCode};

use ctxmgr_bench::Stats;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let Some(i) = args.iter().position(|a| a == "--run") {
        let (Some(name), Some(iters)) = (args.get(i + 1), args.get(i + 2)) else {
            eprintln!("usage: callgrind --run <case>_<variant> <iterations>");
            return ExitCode::FAILURE;
        };
        return run(name, iters.parse().expect("iterations is a number"));
    }
    measure_all()
}

/// Calls one case `iters` times.
fn run(name: &str, iters: u64) -> ExitCode {
    let Some(entry) = common::entries().into_iter().find(|e| e.name() == name) else {
        eprintln!("unknown case {name}");
        return ExitCode::FAILURE;
    };
    let (mut a, mut b) = (Stats::default(), Stats::default());
    let mut errors = 0u64;
    for _ in 0..iters {
        if entry.call(&mut a, &mut b).is_err() {
            errors += 1;
        }
    }
    // The error path must have been measured where intended, and only there.
    let expected = if entry.x % 2 == 1 { iters } else { 0 };
    assert_eq!(errors, expected, "{name}: unexpected number of errors");
    assert_eq!(a.entered, iters, "{name}: enter ran once per call");
    ExitCode::SUCCESS
}

fn measure_all() -> ExitCode {
    let iters: u64 = std::env::var("CTXMGR_BENCH_ITERS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1000);
    let exe = std::env::current_exe().expect("own path");
    let out_dir = std::env::temp_dir().join(format!("ctxmgr-callgrind-{}", std::process::id()));
    std::fs::create_dir_all(&out_dir).expect("temp dir");
    let mut ok = true;
    for entry in common::entries() {
        let name = entry.name();
        match count(&exe, &out_dir, &name, iters) {
            Ok(total) => {
                // Inclusive counts are exact: every call costs the same.
                let per_call = total as f64 / iters as f64;
                println!("callgrind {} {} {per_call}", entry.case, entry.variant);
            }
            Err(why) => {
                eprintln!("callgrind {name}: {why}");
                ok = false;
            }
        }
    }
    let _ = std::fs::remove_dir_all(&out_dir);
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// Instructions executed inside the function `name` over `iters` calls.
fn count(exe: &PathBuf, out_dir: &std::path::Path, name: &str, iters: u64) -> Result<u64, String> {
    let out = out_dir.join(format!("{name}.out"));
    let status = Command::new("valgrind")
        .arg("--tool=callgrind")
        .arg("--collect-atstart=no")
        // Identical functions are merged by LLVM (one becomes an alias of
        // the other, under either name): toggle on every variant of the
        // case; only the one asked for runs in this process.
        .args(
            common::entries()
                .iter()
                .filter(|e| name.starts_with(&format!("{}_", e.case)))
                .map(|e| format!("--toggle-collect=*::{}", e.name())),
        )
        .arg(format!("--callgrind-out-file={}", out.display()))
        .arg(exe)
        .args(["--run", name, &iters.to_string()])
        .output()
        .map_err(|e| format!("cannot run valgrind ({e}); install valgrind"))?;
    if !status.status.success() {
        return Err(format!(
            "valgrind failed: {}",
            String::from_utf8_lossy(&status.stderr)
        ));
    }
    let text = std::fs::read_to_string(&out).map_err(|e| e.to_string())?;
    let total = text
        .lines()
        .find_map(|l| {
            l.strip_prefix("totals:")
                .or_else(|| l.strip_prefix("summary:"))
        })
        .and_then(|v| v.split_whitespace().next()?.parse::<u64>().ok())
        .ok_or("no totals in callgrind output")?;
    if total == 0 {
        return Err(format!("counted nothing: is `{name}` still a function?"));
    }
    Ok(total)
}

//! A paced log flood for the benchmarks: `flood --rate 400000 --seconds 10 [--marker-file F]`.
//! Writes ~100-byte lines to stdout at the rate, then a marker line of letters at column 0; the
//! marker file gets `lines=N seconds=S marker=M written_at=T` (T: Unix seconds, when the marker
//! was written). `--out FILE` appends to a file instead of stdout.

use std::io::Write;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

fn arg(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

fn main() -> std::io::Result<()> {
    let rate: u64 = arg("--rate")
        .and_then(|s| s.parse().ok())
        .unwrap_or(400_000);
    let seconds: f64 = arg("--seconds")
        .and_then(|s| s.parse().ok())
        .unwrap_or(10.0);
    let sink: Box<dyn Write> = match arg("--out") {
        Some(p) => Box::new(
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(p)?,
        ),
        None => Box::new(std::io::stdout().lock()),
    };
    let mut out = std::io::BufWriter::with_capacity(1 << 16, sink);
    let start = Instant::now();
    let total = (rate as f64 * seconds) as u64;
    let mut n = 0u64;
    while n < total {
        // Write what is due by now, in slices of about a millisecond.
        let due = ((start.elapsed().as_secs_f64() * rate as f64) as u64).min(total);
        while n < due {
            writeln!(
                out,
                "2026-11-26T14:00:00.000Z INFO deploy[web] step {n:09} pod/web-7f9c rolled out replicas=3/3 ok"
            )?;
            n += 1;
        }
        out.flush()?;
        std::thread::sleep(Duration::from_micros(500));
    }
    let elapsed = start.elapsed().as_secs_f64();
    let marker = format!(
        "ZZMARKER{}",
        std::process::id()
            .to_string()
            .chars()
            .map(|c| (b'Q' + c as u8 - b'0') as char)
            .collect::<String>()
    );
    let written_at = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0);
    writeln!(out, "{marker} end of flood")?;
    out.flush()?;
    if let Some(f) = arg("--marker-file") {
        std::fs::write(
            f,
            format!("lines={n} seconds={elapsed:.3} marker={marker} written_at={written_at:.6}\n"),
        )?;
    }
    Ok(())
}

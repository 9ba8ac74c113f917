//! Nanoseconds a line for the redactor, its one-pass gate (a line alone and lines in fours) and
//! the rules' keyword pass, on the flood's line:
//! `cargo run --release --example redact_speed`.
fn main() {
    let r = warroom::output::Redactor::new(vec!["hunter2-planted-secret".into()]);
    let lines: Vec<String> = (0..1_000_000)
        .map(|n| format!("2026-11-26T14:00:00.000Z INFO deploy[web] step {n:09} pod/web-7f9c rolled out replicas=3/3 ok"))
        .collect();
    let time = |what: &str, f: &dyn Fn(&str) -> usize| {
        let mut best = f64::MAX;
        for _ in 0..5 {
            let t = std::time::Instant::now();
            let n: usize = lines.iter().map(|l| f(l)).sum();
            best = best.min(t.elapsed().as_nanos() as f64 / lines.len() as f64);
            std::hint::black_box(n);
        }
        println!("{what}: {best:.0} ns/line (best of 5)");
    };
    time("redact", &|l| r.redact(l).len());
    time("the gate (is_clean)", &|l| usize::from(r.is_clean(l)));
    let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
    let mut best = f64::MAX;
    for _ in 0..5 {
        let t = std::time::Instant::now();
        // As the deploy's sink hands them: the lines one read settled, gated together.
        let n: usize = refs
            .chunks(600)
            .map(|c| r.clean_each(c).into_iter().filter(|c| *c).count())
            .sum();
        best = best.min(t.elapsed().as_nanos() as f64 / lines.len() as f64);
        std::hint::black_box(n);
    }
    println!("the gate, lines in fours (clean_each): {best:.0} ns/line (best of 5)");
    time("keywords", &|l| {
        usize::from(warroom::output::rules::RULES.cannot_match(l))
    });
}

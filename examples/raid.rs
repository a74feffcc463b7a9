//! Raids and resilience on a sample map: expected leakers per asset before and after the
//! coverage plan, for the robust (worst single loss) plan and the least-leakage plan, the
//! exhaustion curve (table and picture), and the worst single and double site losses.
//!
//! ```text
//! cargo run --release --example raid -- [kyiv|odesa|corridor|theatre|path.geojson]
//!     [--quick] [--count 8] [--window 600] [--reps 2000] [--seed 1] [--time-limit 10]
//!     [--out out/<map>]
//! ```
//!
//! `--count` threats of every class from every launch area (notional, illustrative), arriving
//! within `--window` seconds; `--quick` coarsens the grid and candidates (× 2.5) and cuts the
//! replications for a fast look (CI). `--time-limit` is the planners' safety net (seconds; six times
//! that for the robust search, whose pass and perturbation counts decide its result). Writes
//! `raid_exhaustion.csv`, `.svg` and `.png`.
use skycover::placement::{Algorithm, Planner, SolveOptions};
use skycover::raid::placement::{least_leakage_placement, LeakageOptions};
use skycover::raid::{exhaustion_curve, simulate, Raid, RaidModel, RaidOptions, RaidOutcome};
use skycover::resilience::{
    n_minus_one, raid_n_minus_one, robust_placement, worst_r, RobustOptions,
};
use skycover::{Scenario, Site};
use std::path::PathBuf;
use std::time::{Duration, Instant};

mod common;

const SPEC: common::Spec<'static> = common::Spec {
    usage: "usage: raid [kyiv|odesa|corridor|theatre|scenario.geojson] [--quick] [--count 8] [--window 600] [--reps 2000] [--seed 1] [--time-limit 10] [--out out/<map>]",
    valued: &["--count", "--window", "--reps", "--seed", "--time-limit", "--out"],
    switches: &["--quick"],
    positional: 1,
};

fn main() {
    if let Err(e) = run() {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}

fn arg<T: std::str::FromStr>(args: &[String], flag: &str, default: T) -> Result<T, String>
where
    T::Err: std::fmt::Display,
{
    common::value(args, flag, default)
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let args = common::args(&SPEC);
    let name = common::positionals(&SPEC, &args)
        .first()
        .map_or_else(|| "kyiv".to_string(), |a| a.to_string());
    let quick = args.iter().any(|a| a == "--quick");
    let count: u32 = arg(&args, "--count", 8)?;
    let window: f64 = arg(&args, "--window", 600.0)?;
    let reps: u32 = arg(&args, "--reps", if quick { 400 } else { 2_000 })?;
    let seed: u64 = arg(&args, "--seed", 1)?;
    let limit: u64 = arg(&args, "--time-limit", if quick { 4 } else { 10 })?;
    let mut s = Scenario::load(&name)?;
    if quick {
        let st = s.settings_mut();
        st.grid_resolution_m *= 2.5;
        st.candidate_spacing_m *= 2.5;
    }
    let stem = PathBuf::from(&name)
        .file_stem()
        .map_or_else(|| "scenario".into(), |x| x.to_string_lossy().into_owned());
    let out = args
        .iter()
        .position(|a| a == "--out")
        .and_then(|i| args.get(i + 1))
        .map_or_else(|| PathBuf::from("out").join(&stem), PathBuf::from);
    let cat = s.catalogue().clone();
    let terrain = s.terrain().clone();
    let raid = Raid::from_scenario(&s, count, window)?;
    println!(
        "skycover raid: {} — {} threats ({} per class and launch area) within {window:.0} s, {reps} replications, seed {seed}",
        s.name(),
        raid.size()?,
        count
    );
    // the evaluation sample is independent of the one least-leakage placement optimises on
    let eval = RaidOptions {
        replications: reps,
        seed: seed.wrapping_add(1_000_003),
        ..RaidOptions::default()
    };
    let t = Instant::now();
    let m0 = RaidModel::new(&s, s.sites(), &terrain, &raid, None)?;
    let before = simulate(&m0, &raid, &eval)?;
    println!(
        "  existing sites: {} ({:.1} s)",
        s.sites().len(),
        t.elapsed().as_secs_f64()
    );

    let t = Instant::now();
    let planner = Planner::new(&s)
        .algorithm(Algorithm::GreedyLocalSearch)
        .time_limit(Duration::from_secs(limit))
        .seed(seed);
    let pm = planner.model()?;
    let plan = planner.plan_model(&pm)?;
    let m1 = RaidModel::new(&s, &plan.sites, &terrain, &raid, None)?;
    let after = simulate(&m1, &raid, &eval)?;
    println!(
        "  coverage plan: {} sites, objective {:.1}% of max ({:.1} s)",
        plan.sites.len(),
        100.0 * plan.objective_fraction,
        t.elapsed().as_secs_f64()
    );

    let t = Instant::now();
    let robust = robust_placement(
        &pm.problem,
        &plan.candidate_indices,
        plan.upper_bound,
        &RobustOptions {
            // its work limits (passes, perturbation rounds) decide; the clock is a safety net
            time_limit: Duration::from_secs(limit * 6),
            seed,
            solve: SolveOptions {
                time_limit: Duration::from_secs(limit),
                ..SolveOptions::default()
            },
            ..RobustOptions::default()
        },
    )?;
    let robust_sites: Vec<Site> = pm
        .fixed
        .iter()
        .cloned()
        .chain(robust.chosen.iter().map(|&c| pm.candidates[c].site.clone()))
        .collect();
    let m2 = RaidModel::new(&s, &robust_sites, &terrain, &raid, None)?;
    let robust_out = simulate(&m2, &raid, &eval)?;
    println!(
        "  robust plan: worst single loss leaves {:.1} (coverage plan: {:.1}; backup-coverage plan {:.1}); certified bound {:.1} (max-min bound {}, planner bound {:.1}), gap {:.1}% ({} swaps, {} passes, {} perturbations, {} evaluations, {:.1} s)",
        robust.worst_case_objective,
        robust.start_worst_case,
        robust.backup_worst_case,
        robust.upper_bound,
        robust
            .robust_bound
            .as_ref()
            .map_or("not computed".into(), |b| format!("{:.1}", b.bound)),
        robust.planner_bound,
        robust.gap_percent,
        robust.swaps,
        robust.passes,
        robust.perturbations,
        robust.evaluations,
        t.elapsed().as_secs_f64()
    );
    for d in &robust.diagnostics {
        println!("    note [{}]: {}", d.code, d.message);
    }

    let t = Instant::now();
    let lopts = LeakageOptions {
        raid: RaidOptions {
            replications: if quick { 32 } else { 64 },
            seed,
            ..RaidOptions::default()
        },
        pool: if quick { 8 } else { 15 },
        time_limit: Duration::from_secs(limit * 2),
    };
    let lp = least_leakage_placement(&s, &pm, &plan.candidate_indices, &raid, &lopts)?;
    let m3 = RaidModel::new(&s, &lp.sites, &terrain, &raid, None)?;
    let least = simulate(&m3, &raid, &eval)?;
    println!(
        "  least-leakage plan: SAA weighted leakers {:.2} (coverage plan {:.2}, greedy {:.2}), {} swaps, {} simulations ({:.1} s)",
        lp.objective,
        lp.start_objective,
        lp.greedy_objective,
        lp.swaps,
        lp.evaluations,
        t.elapsed().as_secs_f64()
    );

    println!("\nexpected leakers per asset (mean [95 % interval]) and P(hit), independent sample:");
    println!(
        "{:<24} {:>6} {:>22} {:>22} {:>22} {:>22}",
        "asset", "aimed", "existing", "coverage plan", "robust plan", "least-leakage plan"
    );
    let cell = |o: &RaidOutcome, a: usize| {
        let x = &o.per_asset[a];
        format!(
            "{:.2} [{:.2},{:.2}] {:.2}",
            x.leakers.mean,
            x.leakers.lo.max(0.0),
            x.leakers.hi,
            x.p_hit.mean
        )
    };
    for a in 0..before.per_asset.len() {
        println!(
            "{:<24} {:>6.1} {:>22} {:>22} {:>22} {:>22}",
            before.per_asset[a].id,
            before.per_asset[a].aimed,
            cell(&before, a),
            cell(&after, a),
            cell(&robust_out, a),
            cell(&least, a)
        );
    }
    for (label, o) in [
        ("existing", &before),
        ("coverage plan", &after),
        ("robust plan", &robust_out),
        ("least-leakage plan", &least),
    ] {
        let spend: Vec<String> = o
            .interceptors
            .iter()
            .map(|c| format!("{} {:.1}", c.id, c.rounds))
            .collect();
        println!(
            "{label:<20} leakers {:.2} [{:.2},{:.2}], value-weighted {:.1}; rounds: {}; interceptor cost {:.1} vs raid cost {:.1}",
            o.total_leakers.mean,
            o.total_leakers.lo.max(0.0),
            o.total_leakers.hi,
            o.weighted_leakers.mean,
            spend.join(", "),
            o.interceptor_cost,
            o.threat_cost
        );
    }

    // N-1: coverage and leakers after losing each single site of the coverage plan
    let n1 = n_minus_one(pm.problem.matrix(), &plan.candidate_indices)?;
    let name_of = |c: usize| {
        let site = &pm.candidates[c].site;
        let (lon, lat) = s.frame().to_lonlat(site.position[0], site.position[1]);
        format!(
            "{} at {lon:.3}, {lat:.3}",
            cat.try_class(site.class, "class")
                .map_or("?", |c| c.id.as_str())
        )
    };
    if let Some(w) = n1.worst() {
        println!(
            "\nN-1 (coverage objective {:.1}): worst single loss {} → {:.1} (−{:.2}%)",
            n1.objective,
            name_of(w.lost[0]),
            w.objective,
            100.0 * w.drop / n1.objective.max(1e-12)
        );
    }
    if plan.candidate_indices.len() >= 2 {
        let w2 = worst_r(pm.problem.matrix(), &plan.candidate_indices, 2, 200_000)?;
        let names: Vec<String> = w2.lost.iter().map(|&c| name_of(c)).collect();
        println!(
            "worst 2 losses ({}): {} → {:.1} (−{:.2}%)",
            if w2.exact { "exact" } else { "greedy" },
            names.join(" + "),
            w2.objective,
            100.0 * w2.drop / n1.objective.max(1e-12)
        );
    }
    let n1_opts = RaidOptions {
        replications: (reps / 4).max(100),
        ..eval.clone()
    };
    let m1n = RaidModel::new(&s, &plan.sites, &terrain, &raid, Some(false))?;
    let rn1 = raid_n_minus_one(&m1n, &raid, &n1_opts)?;
    if let Some(u) = rn1.worst {
        let site = &plan.sites[u];
        let (lon, lat) = s.frame().to_lonlat(site.position[0], site.position[1]);
        println!(
            "raid N-1 (no netting): worst single loss {} at {lon:.3}, {lat:.3}: value-weighted leakers {:.1} → {:.1}",
            cat.try_class(site.class, "class").map_or("?", |c| c.id.as_str()),
            rn1.base.weighted_leakers.mean,
            rn1.without[u].0
        );
    }

    // exhaustion curve of the coverage plan
    let n = raid.size()?;
    let sizes: Vec<u32> = (0..=8).map(|k| k * n / 2).collect();
    let curve = exhaustion_curve(
        &m1,
        &raid,
        &sizes,
        &RaidOptions {
            replications: (reps / 2).max(100),
            ..eval
        },
    )?;
    std::fs::create_dir_all(&out)?;
    std::fs::write(out.join("raid_exhaustion.csv"), curve.to_csv())?;
    curve.write_svg(out.join("raid_exhaustion.svg"))?;
    curve.write_png(out.join("raid_exhaustion.png"))?;
    println!("\nexhaustion curve of the coverage plan (all assets):");
    println!(
        "{:>8} {:>10} {:>20} {:>10}",
        "threats", "leakers", "95 %", "rounds"
    );
    for p in &curve.points {
        println!(
            "{:>8} {:>10.2} {:>20} {:>10.1}",
            p.size,
            p.total.mean,
            format!("[{:.2},{:.2}]", p.total.lo.max(0.0), p.total.hi),
            p.rounds
        );
    }
    println!("  wrote {}/raid_exhaustion.{{csv,svg,png}}", out.display());
    for d in &after.diagnostics {
        println!("  {d}");
    }
    Ok(())
}

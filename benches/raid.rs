//! Raid and resilience benchmarks.
//!
//! * `raid_10k_x100_vs_50`: 10 000 replications of a 100-threat raid (the Kyiv launch areas'
//!   mix of drones, cruise and ballistic missiles, arrivals within 10 minutes) against 50
//!   sites (the three abstract classes in turn, on rings around the Kyiv assets), flat
//!   terrain, no netting. The model (timelines) is built once outside the timing.
//! * `raid_reference_1k_x100_vs_50`: the same raid on the plain reference engine
//!   ([`simulate_reference`], the simulator's first implementation, bit-identical results)
//!   with 1 000 replications, the baseline of the fast engine measured in the same run:
//!   the speed-up is `10 × reference time / fast time` (per replication).
//! * `kyiv_plan_n_minus_one`: the N-1 report of the Kyiv coverage plan (greedy + local search,
//!   quick settings) on its coverage matrix, plus the exact worst pair of losses.
//!
//! Run: `cargo bench --bench raid -- --warm-up-time 1 --measurement-time 3`.
use criterion::{black_box, criterion_group, criterion_main, Criterion};
use skycover::placement::{Algorithm, Planner};
use skycover::raid::{simulate, simulate_reference, Raid, RaidModel, RaidOptions};
use skycover::resilience::{n_minus_one, worst_r_exact};
use skycover::{Scenario, Site, Terrain};
use std::time::Duration;

fn fifty_sites(s: &Scenario) -> Vec<Site> {
    let cat = s.catalogue();
    let classes = ["patriot_class", "medium_range", "counter_uas"];
    let assets = s.assets();
    (0..50)
        .map(|i| {
            let a = &assets[i % assets.len()];
            let ring = 2_000.0 + 3_000.0 * (i / assets.len()) as f64;
            let ang = i as f64 * 2.4;
            let class = cat.class_id(classes[i % 3]).unwrap();
            Site::new(
                class,
                [a.local[0] + ring * ang.cos(), a.local[1] + ring * ang.sin()],
                55.0,
            )
        })
        .collect()
}

/// CPU seconds of this process so far (Linux `/proc/self/stat`, 100 ticks per second), to
/// tell the compute from the wait on a shared machine.
fn cpu_s() -> f64 {
    std::fs::read_to_string("/proc/self/stat")
        .ok()
        .and_then(|st| {
            let rest = st
                .rsplit(')')
                .next()?
                .split_whitespace()
                .collect::<Vec<_>>();
            let u: f64 = rest.get(11)?.parse().ok()?;
            let s: f64 = rest.get(12)?.parse().ok()?;
            Some((u + s) / 100.0)
        })
        .unwrap_or(f64::NAN)
}

fn bench(c: &mut Criterion) {
    let kyiv = Scenario::builtin("kyiv").unwrap();
    let sites = fifty_sites(&kyiv);
    let raid = Raid::from_scenario(&kyiv, 1, 600.0).unwrap().scaled_to(100);
    let model = RaidModel::new(&kyiv, &sites, &Terrain::Flat, &raid, Some(false)).unwrap();
    let opts = RaidOptions {
        replications: 10_000,
        ..RaidOptions::default()
    };
    let t = std::time::Instant::now();
    let cpu0 = cpu_s();
    let once = simulate(&model, &raid, &opts).unwrap();
    let once_s = t.elapsed().as_secs_f64();
    let once_cpu = cpu_s() - cpu0;
    let slots: usize = model.routes.iter().map(|r| r.slots_len()).sum();
    eprintln!(
        "raid: {} threats, {} sites, {} route types, {:.1} slots per route type; expected leakers {:.2}, rounds {:.1}; {} rayon threads; first run {:.2} s wall, {:.2} s CPU",
        raid.size().unwrap_or(0),
        sites.len(),
        model.routes.len(),
        slots as f64 / model.routes.len() as f64,
        once.total_leakers.mean,
        once.interceptors.iter().map(|x| x.rounds).sum::<f64>(),
        rayon::current_num_threads(),
        once_s,
        once_cpu
    );
    let mut g = c.benchmark_group("raid");
    g.sample_size(10).measurement_time(Duration::from_secs(3));
    g.bench_function("raid_10k_x100_vs_50", |b| {
        b.iter(|| black_box(simulate(&model, &raid, &opts).unwrap()))
    });
    let ref_opts = RaidOptions {
        replications: 1_000,
        ..opts.clone()
    };
    // same answers on the replications both run
    let fast_1k = simulate(&model, &raid, &ref_opts).unwrap();
    let cpu0 = cpu_s();
    let t = std::time::Instant::now();
    let reference = simulate_reference(&model, &raid, &ref_opts, None).unwrap();
    eprintln!(
        "reference engine: 1 000 replications {:.2} s wall, {:.2} s CPU; outcome identical to the fast engine: {}",
        t.elapsed().as_secs_f64(),
        cpu_s() - cpu0,
        reference == fast_1k
    );
    g.bench_function("raid_reference_1k_x100_vs_50", |b| {
        b.iter(|| black_box(simulate_reference(&model, &raid, &ref_opts, None).unwrap()))
    });
    let cpu0 = cpu_s();
    let t = std::time::Instant::now();
    black_box(simulate(&model, &raid, &opts).unwrap());
    eprintln!(
        "fast engine again: 10 000 replications {:.2} s wall, {:.2} s CPU",
        t.elapsed().as_secs_f64(),
        cpu_s() - cpu0
    );

    let mut s = kyiv.clone();
    s.settings_mut().grid_resolution_m *= 2.5;
    s.settings_mut().candidate_spacing_m *= 2.5;
    let planner = Planner::new(&s)
        .algorithm(Algorithm::GreedyLocalSearch)
        .time_limit(Duration::from_secs(5))
        .seed(1);
    let pm = planner.model().unwrap();
    let plan = planner.plan_model(&pm).unwrap();
    let m = pm.problem.matrix();
    let chosen = plan.candidate_indices.clone();
    eprintln!(
        "kyiv plan: {} placed sites, {} units, {} non-zeros",
        chosen.len(),
        m.n_units(),
        m.nnz()
    );
    g.bench_function("kyiv_plan_n_minus_one", |b| {
        b.iter(|| {
            let n1 = n_minus_one(m, &chosen).unwrap();
            let w2 = worst_r_exact(m, &chosen, 2, 1_000_000).unwrap();
            black_box((n1, w2))
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

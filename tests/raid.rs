//! Checks of the raid simulator (issue 13, item 2) and of the resilience analysis.

mod common;
use skycover::geo::{point, polygon, MultiPolygon};
use skycover::raid::{
    simulate, simulate_masked, simulate_reference, Arrival, Raid, RaidModel, RaidOptions,
};
use skycover::{Catalogue, Scenario, Terrain};

/// One gun-like fire unit defending one asset; one slow threat class from a point 67 km north.
fn duel(rounds: u32, pk: f64) -> Scenario {
    let cat = serde_json::json!({
        "threats": [{"id": "t", "weight": 1.0, "altitudes_m": [100.0],
                     "kinematics": {"speed_mps": 50.0, "flight_altitudes_m": [100.0]}}],
        "systems": [{"id": "u", "tier": "point", "antenna_height_m": 10.0, "sector_deg": 360.0,
                     "envelopes": {"t": {"min_range_m": 0.0, "max_range_m": 20000.0,
                                         "min_alt_m": 0.0, "max_alt_m": 5000.0}},
                     "weapon": {"reaction_time_s": 5.0, "interceptor_speed_mps": 500.0,
                                "ready_rounds": rounds, "reload_time_s": 100000.0,
                                "shots_per_engagement": 1, "pk": {"t": pk}}}]
    });
    let cat = Catalogue::from_json_str(&cat.to_string()).unwrap();
    let b = skycover::ScenarioBuilder::new("duel")
        .catalogue(cat.clone())
        .zone(
            "z",
            MultiPolygon::new(vec![polygon![(x: 29.9, y: 49.95), (x: 30.1, y: 49.95), (x: 30.1, y: 50.05), (x: 29.9, y: 50.05)]]),
            1.0,
        )
        .asset("a", point!(x: 30.0, y: 50.0), 1.0)
        .site("s", "u", point!(x: 30.0, y: 50.0));
    let mut v = b.to_geojson();
    v["features"]
        .as_array_mut()
        .unwrap()
        .push(serde_json::json!({
            "type": "Feature", "id": "north",
            "geometry": {"type": "Point", "coordinates": [30.0, 50.6]},
            "properties": {"kind": "launch_area", "threats": ["t"]}
        }));
    Scenario::from_geojson_str(&v.to_string(), cat).unwrap()
}

fn binom_min_mean(r: u32, p: f64, n: u32) -> f64 {
    // E[min(Binomial(r, p), n)]
    let mut e = 0.0;
    let mut c = 1.0f64; // C(r, k)
    for k in 0..=r {
        if k > 0 {
            c = c * f64::from(r - k + 1) / f64::from(k);
        }
        let pk = c * p.powi(k as i32) * (1.0 - p).powi((r - k) as i32);
        e += pk * f64::from(k.min(n));
    }
    e
}

#[test]
fn one_threat_reproduces_the_analytic_kill_probability() {
    for name in ["kyiv", "odesa"] {
        let s = Scenario::builtin(name).unwrap();
        let setup = s.threat_setup();
        let la = &setup.launch_areas[0];
        for &t in &la.threats {
            let mut raid = Raid::new(0.0).wave(&la.id, t, 1);
            raid.waves[0].target = Some(0);
            let model = RaidModel::new(&s, s.sites(), &Terrain::Flat, &raid, Some(false)).unwrap();
            // the analytic value: mean over the threat's altitudes of 1 − Π (1 − Pk)^shots
            let routes: Vec<_> = model
                .routes
                .iter()
                .filter(|r| r.asset == 0 && r.threat == t && r.launch_area == 0)
                .collect();
            let p_leak: f64 =
                routes.iter().map(|r| 1.0 - r.kill_probability).sum::<f64>() / routes.len() as f64;
            let opts = RaidOptions {
                replications: 40_000,
                seed: 9,
                ..RaidOptions::default()
            };
            let out = simulate(&model, &raid, &opts).unwrap();
            let got = out.total_leakers.mean;
            let se = (p_leak * (1.0 - p_leak) / 40_000.0).sqrt();
            assert!(
                (got - p_leak).abs() <= 4.5 * se + 1e-9,
                "{name} {t:?}: simulated {got} vs analytic {p_leak} (se {se})"
            );
        }
    }
}

#[test]
fn shoot_look_shoot_matches_the_binomial_closed_form() {
    // One unit, R rounds, single-shot Pk p, N threats in sequence, each with ≥ R slots:
    // kills = min(Binomial(R, p), N) (shoot-look-shoot against a sequential raid; Eckler &
    // Burr, "Mathematical models of target coverage and missile allocation", 1972).
    for (r, p, n) in [(6u32, 0.5, 3u32), (6, 0.3, 2), (4, 0.8, 6)] {
        let s = duel(r, p);
        let raid = Raid::new(600.0 * f64::from(n))
            .wave("north", skycover::ThreatId(0), n)
            .with_arrival(Arrival::Even);
        let model = RaidModel::new(&s, s.sites(), &Terrain::Flat, &raid, None).unwrap();
        assert!(model.routes[0].slots_len() >= r as usize);
        let opts = RaidOptions {
            replications: 40_000,
            reloads: Some(0),
            ..RaidOptions::default()
        };
        let out = simulate(&model, &raid, &opts).unwrap();
        let expect = f64::from(n) - binom_min_mean(r, p, n);
        let e = out.total_leakers;
        let half = (e.hi - e.lo) / 2.0;
        assert!(
            (e.mean - expect).abs() <= 2.5 * half + 1e-9,
            "R={r} p={p} N={n}: {} vs {expect} ± {half}",
            e.mean
        );
    }
}

#[test]
fn a_raid_beyond_the_magazine_leaks_at_least_the_excess() {
    let s = duel(5, 1.0);
    let raid = Raid::new(60.0).wave("north", skycover::ThreatId(0), 12);
    let model = RaidModel::new(&s, s.sites(), &Terrain::Flat, &raid, None).unwrap();
    let opts = RaidOptions {
        replications: 500,
        reloads: Some(0),
        ..RaidOptions::default()
    };
    let out = simulate(&model, &raid, &opts).unwrap();
    assert!(
        out.total_leakers.lo >= 7.0 - 1e-9,
        "{:?}",
        out.total_leakers
    );
    // and on a real map: every unit's ready rounds together bound the kills
    let k = Scenario::builtin("kyiv").unwrap();
    let raid = Raid::from_scenario(&k, 60, 900.0).unwrap();
    let model = RaidModel::new(&k, k.sites(), &Terrain::Flat, &raid, None).unwrap();
    let magazine: u32 = model.units.iter().map(|u| u.ready_rounds).sum();
    let out = simulate(&model, &raid, &opts).unwrap();
    let excess = f64::from(raid.size().unwrap().saturating_sub(magazine));
    assert!(excess > 0.0);
    assert!(
        out.total_leakers.lo >= excess - 1e-9,
        "{:?} vs {excess}",
        out.total_leakers
    );
    let spent: f64 = out.interceptors.iter().map(|c| c.rounds).sum();
    assert!(spent <= f64::from(magazine) + 1e-9);
}

#[test]
fn leakers_grow_with_the_raid_and_with_lost_sites() {
    let k = Scenario::builtin("kyiv").unwrap();
    let base = Raid::from_scenario(&k, 1, 900.0).unwrap();
    let model = RaidModel::new(&k, k.sites(), &Terrain::Flat, &base, Some(false)).unwrap();
    let opts = RaidOptions {
        replications: 3_000,
        ..RaidOptions::default()
    };
    let mut prev = -1.0;
    for n in [0u32, 10, 20, 40, 80, 160] {
        let out = simulate(&model, &base.scaled_to(n), &opts).unwrap();
        assert!(out.total_leakers.mean >= prev - 0.05, "size {n}");
        prev = out.total_leakers.mean;
    }
    let raid = base.scaled_to(60);
    let all = simulate(&model, &raid, &opts).unwrap().total_leakers.mean;
    for u in 0..model.units.len() {
        let mut active = vec![true; model.units.len()];
        active[u] = false;
        let out = simulate_masked(&model, &raid, &opts, Some(&active)).unwrap();
        assert!(out.total_leakers.mean >= all - 0.05, "without unit {u}");
    }
}

#[test]
fn same_seed_same_answer_on_one_and_two_threads() {
    let k = Scenario::builtin("odesa").unwrap();
    let raid = Raid::from_scenario(&k, 10, 600.0).unwrap();
    let model = RaidModel::new(&k, k.sites(), &Terrain::Flat, &raid, None).unwrap();
    let opts = RaidOptions {
        replications: 777,
        seed: 5,
        ..RaidOptions::default()
    };
    let run = |threads| common::on_threads(threads, || simulate(&model, &raid, &opts).unwrap());
    let a = run(1);
    assert_eq!(a, run(2));
    assert_eq!(a, run(3));
    let other = simulate(
        &model,
        &raid,
        &RaidOptions {
            seed: 6,
            ..opts.clone()
        },
    )
    .unwrap();
    assert_ne!(a.per_asset, other.per_asset);
}

#[test]
fn fast_engine_is_bit_identical_to_the_reference() {
    // the fast engine (`simulate`) against the plain reference engine: whole outcomes equal,
    // for several maps, raids, seeds, options and masks, on 1 and 2 rayon threads
    let pool = |n| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build()
            .unwrap()
    };
    let (one, two) = (pool(1), pool(2));
    let mut cases = 0;
    for (name, count, window, netting) in [
        ("kyiv", 3u32, 600.0, Some(false)),
        ("kyiv", 12, 300.0, None),
        ("odesa", 8, 900.0, None),
    ] {
        let s = Scenario::builtin(name).unwrap();
        let raid = Raid::from_scenario(&s, count, window).unwrap();
        let model = RaidModel::new(&s, s.sites(), &Terrain::Flat, &raid, netting).unwrap();
        let nu = model.units.len();
        let masks: Vec<Option<Vec<bool>>> = vec![
            None,
            Some((0..nu).map(|u| u % 3 != 1).collect()),
            Some(vec![false; nu]),
        ];
        for (seed, opts) in [
            (1u64, RaidOptions::default()),
            (
                7,
                RaidOptions {
                    fire_channels: 2,
                    reloads: Some(0),
                    decision_interval_s: 0.5,
                    ..RaidOptions::default()
                },
            ),
            (
                u64::MAX,
                RaidOptions {
                    reloads: Some(1),
                    decision_interval_s: 30.0,
                    ..RaidOptions::default()
                },
            ),
        ] {
            let opts = RaidOptions {
                replications: 150,
                seed,
                ..opts
            };
            for r in [raid.clone(), raid.scaled_to(7).with_arrival(Arrival::Even)] {
                for m in &masks {
                    let reference = simulate_reference(&model, &r, &opts, m.as_deref()).unwrap();
                    assert!(reference.total_leakers.mean >= 0.0);
                    for p in [&one, &two] {
                        let fast = p
                            .install(|| simulate_masked(&model, &r, &opts, m.as_deref()))
                            .unwrap();
                        assert_eq!(fast, reference, "{name} seed {seed} mask {m:?}");
                    }
                    cases += 1;
                }
            }
        }
    }
    assert_eq!(cases, 3 * 3 * 2 * 3);
    // the duel: a single unit, shoot-look-shoot, a sequential raid beyond the magazine
    let s = duel(6, 0.5);
    let raid = Raid::new(1800.0)
        .wave("north", skycover::ThreatId(0), 9)
        .with_arrival(Arrival::Even);
    let model = RaidModel::new(&s, s.sites(), &Terrain::Flat, &raid, None).unwrap();
    for reloads in [Some(0), Some(2), None] {
        let opts = RaidOptions {
            replications: 2_000,
            reloads,
            ..RaidOptions::default()
        };
        assert_eq!(
            simulate(&model, &raid, &opts).unwrap(),
            simulate_reference(&model, &raid, &opts, None).unwrap()
        );
    }
}

#[test]
fn bad_raids_are_typed() {
    let k = Scenario::builtin("kyiv").unwrap();
    let raid = Raid::from_scenario(&k, 1, 600.0).unwrap();
    let model = RaidModel::new(&k, k.sites(), &Terrain::Flat, &raid, None).unwrap();
    let bad = |r: &Raid| RaidModel::new(&k, k.sites(), &Terrain::Flat, r, None).is_err();
    assert!(bad(&Raid::new(-1.0).wave(
        &raid.waves[0].launch_area,
        raid.waves[0].threat,
        1
    )));
    assert!(bad(&Raid::new(10.0).wave(
        "nowhere",
        raid.waves[0].threat,
        1
    )));
    let mut r = raid.clone();
    r.waves[0].target = Some(10_000);
    assert!(bad(&r));
    for o in [
        RaidOptions {
            replications: 0,
            ..RaidOptions::default()
        },
        RaidOptions {
            decision_interval_s: 0.0,
            ..RaidOptions::default()
        },
        RaidOptions {
            fire_channels: 0,
            ..RaidOptions::default()
        },
    ] {
        assert!(matches!(
            simulate(&model, &raid, &o),
            Err(skycover::Error::InvalidInput { .. })
        ));
    }
    let mut huge = raid.clone();
    huge.waves[0].count = u32::MAX;
    assert!(matches!(
        simulate(&model, &huge, &RaidOptions::default()),
        Err(skycover::Error::ResourceLimit { .. })
    ));
}

#[test]
fn a_raid_size_past_u32_is_a_typed_error_not_a_clamp() {
    let t = skycover::catalogue::ThreatId(0);
    let r = Raid::new(600.0)
        .wave("east", t, u32::MAX)
        .wave("west", t, 2);
    match r.size() {
        Err(skycover::Error::InvalidInput { what, reason }) => {
            assert_eq!(what, "raid.waves");
            assert!(reason.contains("4294967297"), "{reason}");
        }
        other => panic!("expected a typed error, got {other:?}"),
    }
    let fits = Raid::new(600.0)
        .wave("east", t, u32::MAX - 2)
        .wave("west", t, 2);
    assert_eq!(fits.size().unwrap(), u32::MAX);
    // scaling such a raid keeps the proportions (no saturated denominator)
    let half = r.scaled_to(1000);
    assert_eq!(half.waves[0].count + half.waves[1].count, 1000);
    assert_eq!(half.waves[1].count, 0);
}

// ---- resilience ------------------------------------------------------------------------

mod resilience {
    use skycover::placement::{CoverageMatrix, CoveringProblem};
    use skycover::resilience::{
        n_minus_one, robust_placement, worst_r, worst_r_exact, worst_r_greedy, RobustOptions,
    };

    /// A random matrix from a tiny deterministic generator.
    fn matrix(seed: u64, units: usize, cands: usize, k: u8) -> CoverageMatrix {
        let mut x = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let mut next = move || {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (x >> 33) as usize
        };
        let weights: Vec<f64> = (0..units).map(|_| 1.0 + (next() % 5) as f64).collect();
        let sets: Vec<Vec<usize>> = (0..cands)
            .map(|_| (0..3 + next() % 6).map(|_| next() % units).collect())
            .collect();
        CoverageMatrix::from_sets(weights, &sets)
            .unwrap()
            .with_uniform_depth(k)
            .unwrap()
    }

    /// Objective left after removing `lost` from `chosen`, from scratch.
    fn left(m: &CoverageMatrix, chosen: &[usize], lost: &[usize]) -> f64 {
        let keep: Vec<usize> = chosen
            .iter()
            .copied()
            .filter(|c| !lost.contains(c))
            .collect();
        m.objective_of(&keep)
    }

    #[test]
    fn n_minus_one_and_interdiction_agree_with_brute_force() {
        for seed in 0..20 {
            let m = matrix(seed, 40, 12, 1 + (seed % 2) as u8);
            let chosen: Vec<usize> = (0..12).filter(|c| (c + seed as usize) % 3 != 0).collect();
            let n1 = n_minus_one(&m, &chosen).unwrap();
            for l in &n1.losses {
                assert!((l.objective - left(&m, &chosen, &l.lost)).abs() < 1e-9);
            }
            // exact worst pair and triple = brute force; greedy never beats exact
            for r in 1..=3 {
                let e = worst_r_exact(&m, &chosen, r, 1_000_000).unwrap();
                let mut best = f64::INFINITY;
                let n = chosen.len();
                for a in 0..n {
                    for b in a..n {
                        for c in b..n {
                            let mut set = vec![chosen[a], chosen[b], chosen[c]];
                            set.sort_unstable();
                            set.dedup();
                            if set.len() == r {
                                best = best.min(left(&m, &chosen, &set));
                            }
                        }
                    }
                }
                assert!((e.objective - best).abs() < 1e-9, "seed {seed} r {r}");
                assert!((left(&m, &chosen, &e.lost) - e.objective).abs() < 1e-9);
                let g = worst_r_greedy(&m, &chosen, r).unwrap();
                assert!(g.objective >= e.objective - 1e-9);
                assert!((left(&m, &chosen, &g.lost) - g.objective).abs() < 1e-9);
            }
            // too many subsets: greedy with a diagnostic
            let w = worst_r(&m, &chosen, 3, 2).unwrap();
            assert!(!w.exact && !w.diagnostics.is_empty());
        }
    }

    #[test]
    fn robust_plan_is_feasible_no_worse_and_below_its_bound() {
        for seed in 0..8 {
            let m = matrix(100 + seed, 60, 20, 1);
            let p = CoveringProblem::new(m.clone(), 5);
            let start = [0, 1, 2, 3, 4];
            let ub = m.max_objective();
            let r = robust_placement(&p, &start, ub, &RobustOptions::default()).unwrap();
            p.check(&r.chosen).unwrap();
            let worst = |s: &[usize]| {
                s.iter()
                    .map(|&j| left(&m, s, &[j]))
                    .fold(f64::INFINITY, f64::min)
            };
            assert!((worst(&r.chosen) - r.worst_case_objective).abs() < 1e-9);
            assert!(r.worst_case_objective >= worst(&start) - 1e-9);
            assert!(r.upper_bound >= r.worst_case_objective);
            // the max-min optimum by enumeration of all 5-subsets of 20 stays below the bound
            // and the robust plan is within it
            let mut best = 0.0f64;
            let mut idx = [0usize, 1, 2, 3, 4];
            loop {
                best = best.max(worst(&idx));
                let mut i = 5;
                while i > 0 && idx[i - 1] == 20 - 5 + i - 1 {
                    i -= 1;
                }
                if i == 0 {
                    break;
                }
                idx[i - 1] += 1;
                for j in i..5 {
                    idx[j] = idx[j - 1] + 1;
                }
            }
            assert!(best <= r.upper_bound + 1e-9);
            assert!(r.worst_case_objective <= best + 1e-9);
        }
    }
}

#[test]
fn generic_weapon_figures_are_named_in_a_diagnostic() {
    // the duel's class gives every figure; the built-in abstract classes only an interceptor
    // cost, so their rounds, timings and kill probabilities are the generic defaults
    let has = |m: &RaidModel, what: &str| {
        m.diagnostics.iter().any(|d| {
            d.code == skycover::diagnostic::codes::RAID_WEAPON_DEFAULTS && d.message.contains(what)
        })
    };
    let s = duel(5, 0.9);
    let raid = Raid::new(60.0).wave("north", skycover::ThreatId(0), 2);
    let m = RaidModel::new(&s, s.sites(), &Terrain::Flat, &raid, None).unwrap();
    assert!(!has(&m, ""), "{:?}", m.diagnostics);
    let kyiv = Scenario::builtin("kyiv").unwrap();
    let raid = Raid::from_scenario(&kyiv, 1, 600.0).unwrap();
    let m = RaidModel::new(&kyiv, kyiv.sites(), &Terrain::Flat, &raid, Some(false)).unwrap();
    assert!(has(&m, "ready_rounds"), "{:?}", m.diagnostics);
    assert!(has(&m, "pk[drone]"), "{:?}", m.diagnostics);
}

//! Threat-based evaluation on every sample map: routes, timelines and the per-asset report.

use skycover::route::ExposureOptions;
use skycover::threat_export::route_features;
use skycover::threat_report::{threat_report, ReportOptions, RouteSource};
use skycover::timeline::{timeline, Defence};
use skycover::{Scenario, Terrain};

fn opts(least_exposure: bool, netting: bool) -> ReportOptions {
    ReportOptions {
        netting: Some(netting),
        least_exposure,
        exposure: ExposureOptions {
            cell_m: 4_000.0,
            max_cells: 40_000,
            ..ExposureOptions::default()
        },
    }
}

#[test]
fn threat_report_runs_on_every_sample_map() {
    for name in ["kyiv", "odesa", "corridor", "theatre"] {
        let s = Scenario::builtin(name).unwrap();
        assert!(!s.threat_setup().launch_areas.is_empty(), "{name}");
        // the theatre's routes are up to ~1 300 km: straight routes only here
        let le = name != "theatre";
        let r = threat_report(&s, s.sites(), &Terrain::Flat, &opts(le, false)).unwrap();
        assert!(!r.summary.is_empty(), "{name}");
        let n_threats: usize = s
            .threat_setup()
            .launch_areas
            .iter()
            .flat_map(|a| a.threats.iter())
            .collect::<std::collections::BTreeSet<_>>()
            .len();
        assert_eq!(r.summary.len(), s.assets().len() * n_threats, "{name}");
        for a in &r.summary {
            let w = &r.routes[a.worst_kill_route].timeline;
            assert_eq!(w.kill_probability, a.worst_kill_probability);
            assert!((0.0..=1.0).contains(&a.worst_kill_probability));
            assert!(a.worst_warning_s >= 0.0 && a.worst_cue_warning_s <= a.worst_warning_s + 1e-9);
            // every route of this asset and threat is at least as good as the worst
            for rt in r
                .routes
                .iter()
                .filter(|x| x.asset == a.asset && x.timeline.threat == a.threat)
            {
                assert!(rt.timeline.kill_probability >= a.worst_kill_probability);
                assert!(rt.timeline.warning_time_s >= a.worst_warning_s);
                // routes end at the asset
                let end = *rt.path.points().last().unwrap();
                let at = s.assets()[a.asset].local;
                if rt.source != RouteSource::Given {
                    assert!((end[0] - at[0]).hypot(end[1] - at[1]) < 1e-6, "{name}");
                }
            }
        }
        let f = route_features(&s, &r, true);
        assert!(!f.is_empty(), "{name}");
    }
}

#[test]
fn great_circle_routes_match_geodesic_length() {
    use geographiclib_rs::{Geodesic, InverseGeodesic};
    let s = Scenario::builtin("odesa").unwrap();
    let r = threat_report(&s, s.sites(), &Terrain::Flat, &opts(false, false)).unwrap();
    let g = Geodesic::wgs84();
    for rt in r
        .routes
        .iter()
        .filter(|x| x.source == RouteSource::Straight)
    {
        let p = rt.path.points();
        let (a, b) = (p[0], *p.last().unwrap());
        let (lon1, lat1) = s.frame().to_lonlat(a[0], a[1]);
        let (lon2, lat2) = s.frame().to_lonlat(b[0], b[1]);
        let d: f64 = g.inverse(lat1, lon1, lat2, lon2);
        // planar length of the densified path within 0.1 % of the geodesic
        assert!(
            (rt.path.length_m() - d).abs() < 1e-3 * d,
            "{} vs {d}",
            rt.path.length_m()
        );
    }
}

#[test]
fn netting_never_hurts_and_report_is_deterministic() {
    let mut s = Scenario::builtin("kyiv").unwrap();
    // real classes: sensors that differ from weapons
    let cat = s.catalogue().clone();
    let mut sites = s.sites().to_vec();
    for site in &mut sites {
        let to = match cat.try_class(site.class, "class").unwrap().id.as_str() {
            "patriot_class" => "patriot_pac3_mse",
            "medium_range" => "iris_t_slm",
            _ => "gepard",
        };
        site.class = cat.class_id(to).unwrap();
    }
    s.set_sites(sites).unwrap();
    let off = threat_report(&s, s.sites(), &Terrain::Flat, &opts(false, false)).unwrap();
    let on = threat_report(&s, s.sites(), &Terrain::Flat, &opts(false, true)).unwrap();
    assert_eq!(off.routes.len(), on.routes.len());
    let mut better = 0;
    for (a, b) in off.routes.iter().zip(&on.routes) {
        // same straight routes: detection is the same, weapons only gain
        assert_eq!(a.timeline.first_detection_s, b.timeline.first_detection_s);
        assert!(b.timeline.cue_warning_s >= a.timeline.cue_warning_s - 1e-9);
        assert!(b.timeline.kill_probability >= a.timeline.kill_probability - 1e-12);
        if b.timeline.kill_probability > a.timeline.kill_probability + 1e-9 {
            better += 1;
        }
    }
    assert!(better > 0, "netting should help somewhere on Kyiv");
    let again = threat_report(&s, s.sites(), &Terrain::Flat, &opts(false, true)).unwrap();
    let key =
        |r: &skycover::threat_report::ThreatReport| serde_json::to_string(&r.summary).unwrap();
    assert_eq!(key(&on), key(&again));
    // one timeline by hand equals the report's
    let rt = &on.routes[0];
    let d = Defence::new(s.catalogue(), s.sites()).with_netting(true);
    let tl = timeline(
        &d,
        rt.timeline.threat,
        rt.timeline.altitude_m,
        rt.timeline.speed_mps,
        &rt.path,
    )
    .unwrap();
    assert_eq!(tl, rt.timeline);
}

//! Loads a scenario and prints a readable summary: zones and their areas, defended assets,
//! corridors, inventory, existing sites, and for each system class the maximum ground range
//! of its footprint on every layer.
//!
//! ```text
//! cargo run --release --example inspect            # the built-in Kyiv map
//! cargo run --release --example inspect -- odesa   # another built-in map
//! cargo run --release --example inspect -- path/to/scenario.geojson [catalogue.json]
//! ```

use skycover::{Catalogue, Scenario};
use std::process::ExitCode;

mod common;

const SPEC: common::Spec<'static> = common::Spec {
    usage: "usage: inspect [kyiv|odesa|corridor|theatre|scenario.geojson] [catalogue.json]",
    valued: &[],
    switches: &[],
    positional: 2,
};

/// Cuts `s` to at most `n` characters (names can be long).
fn trunc(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(n - 1).collect();
        t.push('…');
        t
    }
}

fn load(arg: Option<&str>, catalogue: Option<&str>) -> skycover::Result<Scenario> {
    let cat = match catalogue {
        Some(p) => Catalogue::from_path(p)?,
        None => Catalogue::builtin(),
    };
    match arg {
        None => Scenario::builtin("kyiv"),
        Some(name) if catalogue.is_none() => Scenario::load(name),
        Some(path) => Scenario::from_path(path, cat),
    }
}

/// A class's id for display ("?" for an id that is not in the catalogue).
fn class_name(cat: &skycover::Catalogue, id: skycover::ClassId) -> &str {
    cat.try_class(id, "class").map_or("?", |c| c.id.as_str())
}

/// A threat's id for display ("?" for an id that is not in the catalogue).
fn threat_name(cat: &skycover::Catalogue, id: skycover::ThreatId) -> &str {
    cat.try_threat(id, "threat").map_or("?", |t| t.id.as_str())
}

fn main() -> ExitCode {
    let args = common::args(&SPEC);
    let scenario = match load(
        args.first().map(String::as_str),
        args.get(1).map(String::as_str),
    ) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let cat = scenario.catalogue();
    println!("Scenario: {}", scenario.name());
    if !scenario.description().is_empty() {
        println!("  {}", scenario.description());
    }
    let f = scenario.frame();
    println!(
        "  local frame centred on {:.4}°E {:.4}°N; grid {} m; candidate spacing {} m",
        f.lon0(),
        f.lat0(),
        scenario.settings().grid_resolution_m,
        scenario.settings().candidate_spacing_m
    );
    println!("  {}", scenario.terrain_summary());
    for d in scenario.diagnostics() {
        println!("  {d}");
    }

    println!("\nDeployment zones ({}):", scenario.zones().len());
    let mut total = 0.0;
    for z in scenario.zones() {
        total += z.area_km2();
        println!(
            "  {:<28} {:>9.0} km²  priority {:.1}",
            trunc(&z.name, 28),
            z.area_km2(),
            z.priority
        );
    }
    println!("  {:<28} {:>9.0} km²", "total", total);

    println!("\nDefended assets ({}):", scenario.assets().len());
    let threats: Vec<&str> = cat.threats().iter().map(|t| t.id.as_str()).collect();
    println!(
        "  {:<34} {:<14} {:>5}  required depth ({})",
        "asset",
        "category",
        "value",
        threats.join("/")
    );
    for a in scenario.assets() {
        let depth: Vec<String> = a.required_depth.iter().map(u8::to_string).collect();
        println!(
            "  {:<34} {:<14} {:>5.1}  {}   [{:.4}, {:.4}]",
            trunc(&a.name, 34),
            a.category,
            a.value,
            depth.join("/"),
            a.lonlat[0],
            a.lonlat[1]
        );
    }

    if !scenario.corridors().is_empty() {
        println!("\nCorridors:");
        for c in scenario.corridors() {
            let len: f64 = c
                .local
                .0
                .windows(2)
                .map(|w| (w[1].x - w[0].x).hypot(w[1].y - w[0].y))
                .sum();
            println!(
                "  {:<34} {:>6.1} km long, {:>5.1} km wide",
                trunc(&c.name, 34),
                len / 1e3,
                c.width_m / 1e3
            );
        }
    }
    for l in scenario.contact_lines() {
        println!(
            "\nContact line {}: keep-out {:.0} km",
            l.name,
            l.keep_out_m / 1e3
        );
    }

    println!("\nInventory:");
    for item in scenario.inventory() {
        println!(
            "  {:<16} {:>4} × unit cost {:>7.1}",
            class_name(cat, item.class),
            item.count,
            item.unit_cost
        );
    }
    if let Some(b) = scenario.budget() {
        println!("  budget {b:.1}");
    }
    if let Some(ms) = scenario.mutual_support() {
        let prot: Vec<&str> = ms.protected.iter().map(|c| class_name(cat, *c)).collect();
        println!(
            "  mutual support: {} covered by {} × {} against {}",
            prot.join(", "),
            ms.min_depth,
            class_name(cat, ms.by_class),
            threat_name(cat, ms.threat)
        );
    }

    println!("\nExisting sites ({}):", scenario.sites().len());
    for s in scenario.sites() {
        let (lon, lat) = f.to_lonlat(s.position[0], s.position[1]);
        println!(
            "  {:<24} {:<16} [{lon:.4}, {lat:.4}] facing {:>5.1}°{}",
            s.id.as_deref().unwrap_or("-"),
            class_name(cat, s.class),
            s.facing_deg,
            if s.fixed { " (fixed)" } else { "" }
        );
    }

    println!("\nMaximum ground range of each class's footprint per layer (km):");
    print!("  {:<26}", "layer");
    for (_, c) in cat.classes() {
        print!(" {:>14}", c.id);
    }
    println!();
    for layer in cat.layers() {
        print!(
            "  {:<18} {:>5.0} m",
            threat_name(cat, layer.threat),
            layer.altitude_m
        );
        for (id, _) in cat.classes() {
            let r = skycover::volume::max_ground_range_m(cat, id, layer);
            if r > 0.0 {
                print!(" {:>14.1}", r / 1e3);
            } else {
                print!(" {:>14}", "-");
            }
        }
        println!();
    }
    ExitCode::SUCCESS
}

use skycover::placement::synthetic::SyntheticInstance;
use skycover::placement::{covering, Algorithm, CoveringProblem, Planner, SolveOptions};
use skycover::Scenario;
use std::time::Duration;
fn main() {
    let which = std::env::args().nth(1).unwrap_or("syn".into());
    let problem = if which == "syn" {
        let inst = SyntheticInstance::clustered(10_000, 1_000, 300_000.0, 20_000.0, 42);
        CoveringProblem::new(inst.matrix().unwrap(), 40)
    } else {
        let s = Scenario::builtin("kyiv").unwrap();
        Planner::new(&s).model().unwrap().problem
    };
    for it in [0u32, 50, 100, 300, 1000, 3000] {
        let o = SolveOptions { algorithm: Algorithm::GreedyLocalSearch, time_limit: Duration::from_secs(60), seed: 1, bound_iterations: it, ..Default::default() };
        let s = covering::solve(&problem, &o).unwrap();
        println!("it {it:5} ran {:5}: obj {:.1} online {:.1} lagr {:.1} gap {:.3}% bound_s {:.3} ls_s {:.3} notes {:?}", s.stats.bound_iterations, s.objective, s.stats.online_bound, s.stats.lagrangian_bound, s.gap_percent, s.stats.bound_s, s.stats.local_search_s, s.notes);
    }
}

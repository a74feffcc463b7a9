use skycover::placement::synthetic::SyntheticInstance;
use skycover::placement::{covering, Algorithm, CoveringProblem, SolveOptions};
use std::time::Duration;
fn main() {
    let inst = SyntheticInstance::clustered(10_000, 1_000, 300_000.0, 20_000.0, 42);
    let problem = CoveringProblem::new(inst.matrix().unwrap(), 40);
    let o = SolveOptions { algorithm: Algorithm::Milp, time_limit: Duration::from_secs(60), seed: 1, ..Default::default() };
    let s = covering::solve(&problem, &o).unwrap();
    println!("obj {:.1} bound {:.1} gap {:.3} milp_s {:.2} size {:?} proven {} notes {:?}", s.objective, s.upper_bound, s.gap_percent, s.stats.milp_s, s.stats.milp_size, s.proven_optimal, s.notes);
}

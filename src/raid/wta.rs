//! Value-weighted greedy weapon-target assignment (maximum marginal return).
//!
//! # Rule
//!
//! Time is cut into **decision epochs** of [`RaidOptions::decision_interval_s`](super::RaidOptions::decision_interval_s).
//! Within an epoch every engagement slot (a fire unit's shoot-look-shoot slot against one
//! threat, from the single-threat [`Timeline`](crate::timeline::Timeline)) whose launch falls in
//! the epoch is a candidate pair. Pairs are taken in decreasing **marginal return**
//!
//! `value(target asset) × weight(threat class) × P(kill of the salvo)`
//!
//! (ties: cheaper salvo first, then earlier launch, then lower threat and unit index) and
//! assigned when the unit has a free fire channel and ready rounds at the launch time and the
//! threat is not known to be dead (a kill is known at its intercept time: shoot-look-shoot).
//! This is the greedy **maximum marginal return** algorithm of den Broeder, Ellison & Emerling,
//! "On optimum target assignments", *Operations Research* 7(3) 1959, 322–326, applied per epoch
//! as in the dynamic weapon-target assignment of Hosein & Athans, "Some analytical results for
//! the dynamic weapon-target allocation problem", MIT LIDS-P-1944 (1990); see the survey of
//! Kline, Ahner & Hill, "The weapon-target assignment problem", *Computers & Operations
//! Research* 105 (2019) 226–236. With one target per epoch the rule is exact; with several it
//! is the usual greedy heuristic (no look-ahead, no reserve of rounds for later threats).

use std::cmp::Ordering;

/// One candidate (unit, threat) pair of an epoch, with its sort key.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Pair {
    /// Decision epoch.
    pub epoch: i64,
    /// Marginal return `value × weight × P(kill)`.
    pub gain: f64,
    /// Cost of the salvo (tie-break: cheaper first).
    pub cost: f64,
    /// Absolute launch time, seconds.
    pub launch: f64,
    /// Threat index in the replication.
    pub threat: u32,
    /// Index of the engagement slot in the model.
    pub slot: u32,
    /// Unit index.
    pub unit: u32,
}

/// The order in which pairs are considered: epoch, then decreasing gain, then the ties above.
pub(crate) fn order(a: &Pair, b: &Pair) -> Ordering {
    a.epoch
        .cmp(&b.epoch)
        .then(b.gain.total_cmp(&a.gain))
        .then(a.cost.total_cmp(&b.cost))
        .then(a.launch.total_cmp(&b.launch))
        .then(a.threat.cmp(&b.threat))
        .then(a.unit.cmp(&b.unit))
        .then(a.slot.cmp(&b.slot))
}

/// The decision epoch of a launch time.
pub(crate) fn epoch_of(launch: f64, interval: f64) -> i64 {
    (launch / interval).floor() as i64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(epoch: i64, gain: f64, threat: u32) -> Pair {
        Pair {
            epoch,
            gain,
            cost: 0.0,
            launch: 0.0,
            threat,
            slot: 0,
            unit: 0,
        }
    }

    #[test]
    fn epochs_first_then_highest_return() {
        let mut v = [p(1, 9.0, 0), p(0, 1.0, 1), p(0, 5.0, 2), p(0, 5.0, 3)];
        v.sort_by(order);
        let t: Vec<u32> = v.iter().map(|x| x.threat).collect();
        assert_eq!(t, [2, 3, 1, 0]);
        assert_eq!(epoch_of(-0.5, 2.0), -1);
        assert_eq!(epoch_of(3.9, 2.0), 1);
    }
}

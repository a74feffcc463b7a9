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
//! (ties: lower threat index, then lower unit index) and
//! assigned when the unit has a free fire channel and ready rounds at the launch time and the
//! threat is not known to be dead (a kill is known at its intercept time: shoot-look-shoot).
//! This is the greedy **maximum marginal return** algorithm of den Broeder, Ellison & Emerling,
//! "On optimum target assignments", *Operations Research* 7(3) 1959, 322–326, applied per epoch
//! as in the dynamic weapon-target assignment of Hosein & Athans, "Some analytical results for
//! the dynamic weapon-target allocation problem", MIT LIDS-P-1944 (1990); see the survey of
//! Kline, Ahner & Hill, "The weapon-target assignment problem", *Computers & Operations
//! Research* 105 (2019) 226–236. With one target per epoch the rule is exact; with several it
//! is the usual greedy heuristic (no look-ahead, no reserve of rounds for later threats).

/// The priority key of a candidate (unit, threat) pair: pairs are taken in increasing key,
/// i.e. by epoch, then decreasing marginal return, then lower threat index, then lower unit
/// index and slot. One `u128` and one `u64` compare, so the queue stays cheap.
#[inline]
pub(crate) fn key(epoch: i64, gain: f64, threat: u32, unit: u32, slot: u32) -> (u128, u64) {
    let e = (epoch.clamp(i64::from(i32::MIN), i64::from(i32::MAX)) + (1i64 << 31)) as u128;
    // gain ≥ 0: its bits order like the value; inverted for "largest first"
    let g = !gain.max(0.0).to_bits();
    (
        (e << 96) | (u128::from(g) << 32) | u128::from(threat),
        (u64::from(unit) << 32) | u64::from(slot),
    )
}

/// The decision epoch of a launch time.
pub(crate) fn epoch_of(launch: f64, interval: f64) -> i64 {
    (launch / interval).floor() as i64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn epochs_first_then_highest_return() {
        let mut v = [
            (key(1, 9.0, 0, 0, 0), 0),
            (key(0, 1.0, 1, 0, 0), 1),
            (key(0, 5.0, 3, 0, 0), 3),
            (key(0, 5.0, 2, 1, 0), 2),
            (key(-3, 0.0, 4, 0, 0), 4),
        ];
        v.sort();
        let t: Vec<u32> = v.iter().map(|x| x.1).collect();
        assert_eq!(t, [4, 2, 3, 1, 0]);
        assert_eq!(epoch_of(-0.5, 2.0), -1);
        assert_eq!(epoch_of(3.9, 2.0), 1);
    }
}

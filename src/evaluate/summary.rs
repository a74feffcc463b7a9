//! Summaries of a depth map: per threat, overall, per asset.

use super::{Coverage, DepthMap, CHUNK};
use crate::catalogue::{Catalogue, ThreatId};
use crate::demand::{Demand, SampleOrigin};
use rayon::prelude::*;

/// Weighted coverage figures.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Summary {
    /// Weighted fraction of samples meeting their required depth, in [0, 1].
    pub fraction: f64,
    /// Depth-aware score `Σ w · min(depth, k) / k / Σ w` (k = required depth), in [0, 1].
    pub score: f64,
}

/// Coverage against one threat class.
#[derive(Debug, Clone, PartialEq)]
pub struct ThreatCoverage {
    /// The threat.
    pub threat: ThreatId,
    /// Weighted fraction of samples whose depth meets the required depth on every layer of
    /// the threat, in [0, 1].
    pub fraction: f64,
    /// Depth-aware score `Σ w · min(depth, k) / k / Σ w`, averaged over the threat's layers,
    /// in [0, 1].
    pub score: f64,
    /// Total sample weight.
    pub total_weight: f64,
    /// Weight of the samples meeting the threat.
    pub covered_weight: f64,
    /// Number of samples (grid and points) failing the threat.
    pub failing_samples: usize,
    /// Number of grid samples (cells) failing the threat.
    pub gap_cells: usize,
    /// Area of the failing grid cells, km².
    pub gap_area_km2: f64,
    /// Indices of the defended assets failing the threat, increasing.
    pub assets_failing: Vec<usize>,
}

/// The coverage status of one defended asset.
#[derive(Debug, Clone, PartialEq)]
pub struct AssetStatus {
    /// Index of the asset in the scenario.
    pub asset: usize,
    /// Its demand sample.
    pub sample: usize,
    /// Depth per threat (minimum over the threat's layers), indexed by [`ThreatId`].
    pub depth: Vec<u8>,
    /// Required depth per threat, indexed by [`ThreatId`].
    pub required: Vec<u8>,
    /// Indices of the layers whose depth is below the required depth of their threat.
    pub failing_layers: Vec<usize>,
}

impl AssetStatus {
    /// True when every layer meets its required depth.
    pub fn is_covered(&self) -> bool {
        self.failing_layers.is_empty()
    }

    /// True when the asset fails `threat` (out-of-range threats do not fail).
    pub fn fails(&self, threat: ThreatId) -> bool {
        match (self.depth.get(threat.0), self.required.get(threat.0)) {
            (Some(d), Some(r)) => d < r,
            _ => false,
        }
    }
}

/// Sums over one chunk of samples, per threat.
struct ChunkStats {
    total_w: f64,
    covered_w: Vec<f64>,
    score: Vec<f64>,
    failing: Vec<usize>,
    gap: Vec<usize>,
    bits: Vec<Vec<u64>>,
}

/// Computes the summaries of `depth` and packs everything into a [`Coverage`].
pub(super) fn summarise(catalogue: &Catalogue, demand: &Demand, depth: DepthMap) -> Coverage {
    let nt = catalogue.threats().len();
    let n = depth.samples;
    let ng = demand.grid_samples();
    let by_threat: Vec<Vec<usize>> = (0..nt)
        .map(|t| catalogue.layers_of(ThreatId(t)).map(|l| l.index).collect())
        .collect();
    let weights = demand.weights();
    let inv_k: [f64; 256] = std::array::from_fn(|k| if k == 0 { 0.0 } else { 1.0 / k as f64 });
    let n_chunks = n.div_ceil(CHUNK);
    let stats: Vec<ChunkStats> = (0..n_chunks)
        .into_par_iter()
        .map(|c| {
            let s0 = c * CHUNK;
            let s1 = (s0 + CHUNK).min(n);
            let w = &weights[s0..s1];
            let total_w: f64 = w.iter().sum();
            let mut st = ChunkStats {
                total_w,
                covered_w: vec![0.0; nt],
                score: vec![0.0; nt],
                failing: vec![0; nt],
                gap: vec![0; nt],
                bits: Vec::with_capacity(nt),
            };
            let len = s1 - s0;
            // required depth per threat for the chunk, threat-major
            let mut kreq = vec![0u8; nt * len];
            for k in 0..len {
                for (t, &r) in demand.required_depths(s0 + k).iter().enumerate() {
                    kreq[t * len + k] = r;
                }
            }
            let mut mind = vec![0u8; len];
            let mut smin = vec![0u16; len];
            for (t, layers) in by_threat.iter().enumerate() {
                let kr = &kreq[t * len..(t + 1) * len];
                mind.fill(u8::MAX);
                smin.fill(0);
                // integer pass over the layers (vectorises): min depth, Σ min(depth, k)
                for &l in layers {
                    let d = &depth.layer(l)[s0..s1];
                    for (((m, sm), &dv), &k) in mind.iter_mut().zip(smin.iter_mut()).zip(d).zip(kr)
                    {
                        *m = (*m).min(dv);
                        *sm += u16::from(dv.min(k));
                    }
                }
                // weighted sums with four interleaved accumulators (a fixed order: the
                // result does not depend on the thread count)
                let (mut cov4, mut score4) = ([0.0f64; 4], [0.0f64; 4]);
                let lanes = mind
                    .chunks(4)
                    .zip(smin.chunks(4))
                    .zip(w.chunks(4))
                    .zip(kr.chunks(4));
                for (((m, sm), wk), req) in lanes {
                    for q in 0..m.len() {
                        let ik = inv_k[req[q] as usize];
                        score4[q] += wk[q] * (f64::from(sm[q]) * ik);
                        cov4[q] += if m[q] >= req[q] { wk[q] } else { 0.0 };
                    }
                }
                let cov = (cov4[0] + cov4[1]) + (cov4[2] + cov4[3]);
                let score = (score4[0] + score4[1]) + (score4[2] + score4[3]);
                // failing bits, 64 samples per word
                let mut words = vec![0u64; len.div_ceil(64)];
                let (mut failing, mut gap) = (0usize, 0usize);
                for (b, (word, (ms, ks))) in words
                    .iter_mut()
                    .zip(mind.chunks(64).zip(kr.chunks(64)))
                    .enumerate()
                {
                    let mut bits = 0u64;
                    for (k, (&m, &req)) in ms.iter().zip(ks).enumerate() {
                        bits |= u64::from(m < req) << k;
                    }
                    *word = bits;
                    failing += bits.count_ones() as usize;
                    // grid samples are s < ng: keep the bits of those
                    let first = s0 + b * 64;
                    let grid_bits = if first + 64 <= ng {
                        bits
                    } else if first >= ng {
                        0
                    } else {
                        bits & ((1u64 << (ng - first)) - 1)
                    };
                    gap += grid_bits.count_ones() as usize;
                }
                st.covered_w[t] = cov;
                st.score[t] = score;
                st.failing[t] = failing;
                st.gap[t] = gap;
                st.bits.push(words);
            }
            st
        })
        .collect();

    // Deterministic reduction, in chunk order.
    let mut total_w = 0.0;
    let mut covered_w = vec![0.0; nt];
    let mut score = vec![0.0; nt];
    let mut failing_n = vec![0usize; nt];
    let mut gap = vec![0usize; nt];
    let mut failing: Vec<Vec<u64>> = (0..nt)
        .map(|_| Vec::with_capacity(n.div_ceil(64)))
        .collect();
    for st in stats {
        total_w += st.total_w;
        for t in 0..nt {
            covered_w[t] += st.covered_w[t];
            score[t] += st.score[t];
            failing_n[t] += st.failing[t];
            gap[t] += st.gap[t];
        }
        for (f, b) in failing.iter_mut().zip(st.bits) {
            f.extend_from_slice(&b);
        }
    }

    // Assets.
    let layers = catalogue.layers().to_vec();
    let mut assets = Vec::new();
    // grid samples are zone cells: assets are among the point samples
    for (s, o) in demand.origins().iter().enumerate().skip(ng) {
        let SampleOrigin::Asset(a) = *o else { continue };
        let required = demand.required_depths(s).to_vec();
        let depth_t: Vec<u8> = by_threat
            .iter()
            .map(|ls| ls.iter().map(|&l| depth.get(s, l)).min().unwrap_or(u8::MAX))
            .collect();
        let failing_layers = layers
            .iter()
            .filter(|l| depth.get(s, l.index) < required[l.threat.0])
            .map(|l| l.index)
            .collect();
        assets.push(AssetStatus {
            asset: a,
            sample: s,
            depth: depth_t,
            required,
            failing_layers,
        });
    }

    let cell_area = demand.grid().cell_area_km2();
    let ratio = |a: f64, b: f64| {
        if b > 0.0 {
            (a / b).clamp(0.0, 1.0)
        } else {
            1.0
        }
    };
    let threats: Vec<ThreatCoverage> = (0..nt)
        .map(|t| {
            let nl = by_threat[t].len().max(1) as f64;
            ThreatCoverage {
                threat: ThreatId(t),
                fraction: ratio(covered_w[t], total_w),
                score: ratio(score[t] / nl, total_w),
                total_weight: total_w,
                covered_weight: covered_w[t],
                failing_samples: failing_n[t],
                gap_cells: gap[t],
                gap_area_km2: gap[t] as f64 * cell_area,
                assets_failing: assets
                    .iter()
                    .filter(|a| a.fails(ThreatId(t)))
                    .map(|a| a.asset)
                    .collect(),
            }
        })
        .collect();
    let (mut wsum, mut fsum, mut ssum) = (0.0, 0.0, 0.0);
    for (t, tc) in threats.iter().enumerate() {
        let w = catalogue.threat(ThreatId(t)).weight;
        wsum += w;
        fsum += w * tc.fraction;
        ssum += w * tc.score;
    }
    let overall = Summary {
        fraction: ratio(fsum, wsum),
        score: ratio(ssum, wsum),
    };
    Coverage {
        depth,
        layers,
        threats,
        overall,
        assets,
        failing,
        grid_samples: ng,
        diagnostics: demand.diagnostics().to_vec(),
    }
}

//! One-call evaluation of a scenario over its own terrain.

use super::Coverage;
use crate::demand::Demand;
use crate::error::Result;
use crate::scenario::Scenario;
use crate::site::Site;

impl Coverage {
    /// Evaluates `sites` over `scenario`: discretises it ([`Demand::from_scenario`]) and masks
    /// coverage by line of sight over **the scenario's own terrain** ([`Scenario::terrain`];
    /// flat only when the scenario names none or was set flat with
    /// [`Scenario::without_terrain`]). This is the answer [`Planner`](crate::Planner) gives
    /// for the same sites: `plan.coverage_before` equals it for the existing sites.
    ///
    /// # Parameters
    /// * `scenario`: the zones, assets, corridors, catalogue, settings and terrain;
    /// * `sites`: the sites to evaluate (e.g. [`Scenario::sites`] or a plan's sites).
    ///
    /// # Returns
    /// The coverage, with sensor netting when the scenario's `netting` setting is on
    /// ([`Coverage::is_netted`]), carrying the scenario's terrain remarks
    /// ([`Scenario::terrain_diagnostics`]: terrain named but not loaded, stale, sites outside
    /// it) in [`Coverage::diagnostics`].
    ///
    /// # Complexity
    /// As [`Coverage::evaluate_with_terrain`]: one viewshed per site and layer altitude
    /// (proportional to its footprint's area in terrain cells) plus the raster evaluation.
    ///
    /// # Errors
    /// As [`Demand::from_scenario`] ([`Error::ResourceLimit`](crate::Error::ResourceLimit)
    /// for a grid too fine) and [`Evaluator::depths`](crate::Evaluator::depths).
    ///
    /// # Examples
    /// ```
    /// use skycover::{Coverage, Scenario};
    /// let mut odesa = Scenario::builtin("odesa")?; // real relief (NOAA GLOBE)
    /// odesa.settings_mut().grid_resolution_m = 4_000.0;
    /// let c = Coverage::for_scenario(&odesa, odesa.sites())?;
    /// assert!(c.diagnostics().is_empty());
    /// let drone = odesa.catalogue().threat_id("drone")?;
    /// assert!(c.threat(drone).unwrap().fraction < 1.0);
    /// # Ok::<(), skycover::Error>(())
    /// ```
    pub fn for_scenario(scenario: &Scenario, sites: &[Site]) -> Result<Coverage> {
        let demand = Demand::from_scenario(scenario)?;
        Coverage::for_scenario_demand(scenario, &demand, sites)
    }

    /// [`for_scenario`](Self::for_scenario) over demand already discretised from `scenario`
    /// (e.g. to evaluate several site sets, or to draw gap maps from the same demand).
    ///
    /// # Errors
    /// As [`Evaluator::depths`](crate::Evaluator::depths).
    pub fn for_scenario_demand(
        scenario: &Scenario,
        demand: &Demand,
        sites: &[Site],
    ) -> Result<Coverage> {
        let netting = scenario.threat_setup().netting;
        Coverage::for_scenario_demand_netting(scenario, demand, sites, netting)
    }

    /// [`for_scenario_demand`](Self::for_scenario_demand) with sensor netting on or off as
    /// asked, whatever the scenario's `netting` setting (see
    /// [`Evaluator::with_netting`](crate::Evaluator::with_netting) for the rule).
    ///
    /// # Errors
    /// As [`Evaluator::depths`](crate::Evaluator::depths).
    ///
    /// # Examples
    /// ```
    /// use skycover::{Coverage, Demand, Scenario};
    /// let mut kyiv = Scenario::builtin("kyiv")?;
    /// kyiv.settings_mut().grid_resolution_m = 4_000.0;
    /// let d = Demand::from_scenario(&kyiv)?;
    /// let own = Coverage::for_scenario_demand_netting(&kyiv, &d, kyiv.sites(), false)?;
    /// let net = Coverage::for_scenario_demand_netting(&kyiv, &d, kyiv.sites(), true)?;
    /// assert!(net.is_netted() && !own.is_netted());
    /// assert!(net.overall().score >= own.overall().score);
    /// // the scenario setting decides in for_scenario_demand
    /// kyiv.threat_setup_mut().netting = true;
    /// assert_eq!(Coverage::for_scenario_demand(&kyiv, &d, kyiv.sites())?, net);
    /// # Ok::<(), skycover::Error>(())
    /// ```
    pub fn for_scenario_demand_netting(
        scenario: &Scenario,
        demand: &Demand,
        sites: &[Site],
        netting: bool,
    ) -> Result<Coverage> {
        let mut c = crate::Evaluator::new()
            .with_terrain(scenario.terrain().clone())
            .with_netting(netting)
            .evaluate(scenario.catalogue(), demand, sites)?;
        c.diagnostics.extend(scenario.terrain_diagnostics(sites));
        Ok(c)
    }
}

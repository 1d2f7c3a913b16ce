/**
 * The strategy benchmark's scenarios (`npm run bench:strategies`), each a
 * `wattplan simulate` command line over the shared data sets.
 */
import { dataDir } from "../../service/simulate/data-dir.js";

const DATA = dataDir();
const TOU_EV_4 = `${DATA}/tariffs/sce_tou_ev_4_march_2019.json`;
const MARCH_2019 = `${DATA}/sessions/acn-caltech-2019-03.csv`;

export const SCENARIOS: { name: string; summary: string; args: string[] }[] = [
  {
    name: "acn-capacity-sweep",
    summary: "ACN-Sim's algorithm comparison: 954 Caltech sessions of March 2019, 5-min slots, 27 transformer capacities, SCE TOU-EV-4",
    args: [
      "--sessions",
      MARCH_2019,
      "--from",
      "2019-03-01",
      "--tariff",
      TOU_EV_4,
      "--capacity-kw",
      "10:140:5",
      "--strategies",
      "uncontrolled,equalShare,edf,llf,optimal,offline",
      "--horizon-hours",
      "12",
      "--plot-capacity-kw",
      "50",
    ],
  },
  {
    name: "acn-site",
    summary: "the same sessions behind a site: office base load and PV (both scaled to 25 %), 30 % of EVs V2G-capable, 80 kW connection",
    args: [
      "--sessions",
      MARCH_2019,
      "--from",
      "2019-03-01",
      "--tariff",
      TOU_EV_4,
      "--capacity-kw",
      "80",
      "--base-load",
      `${DATA}/load/office-medium-los-angeles.csv`,
      "--base-load-scale",
      "0.25",
      "--pv",
      `${DATA}/pv/jpl-220kwdc.csv`,
      "--pv-scale",
      "0.25",
      "--v2g-share",
      "0.3",
      "--seed",
      "1",
      "--strategies",
      "uncontrolled,equalShare,edf,llf,optimal,offline",
      "--horizon-hours",
      "12",
    ],
  },
];

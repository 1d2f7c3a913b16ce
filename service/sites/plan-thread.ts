/** A plan thread (plan-threads.ts): computes each plan it is sent. */
import { serveTasks } from "../threads.js";
import { computePlan } from "./plan-compute.js";

serveTasks("plan-thread.js", computePlan);

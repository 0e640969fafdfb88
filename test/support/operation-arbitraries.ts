import fc from "fast-check";

// Arbitrary catalog calls shared by the property tests that drive random operation sequences (replay, log
// governance): the micro-task life of a WP, with MT-002 depending on MT-001 so that order matters.

/** A random call of one catalog operation. */
export interface ArbitraryCall {
  op: string;
  params: object;
}

/** register_mts, start_mt, record_iteration and complete_mt calls on the WPs `id` draws and MTs `mt` draws. */
export function microTaskCalls(
  id: fc.Arbitrary<string>,
  mt: fc.Arbitrary<string>,
): fc.Arbitrary<ArbitraryCall>[] {
  return [
    fc.record({
      op: fc.constant("register_mts"),
      params: fc.record({
        wp_id: id,
        micro_tasks: fc.constant([
          { mt_id: "MT-001", name: "a", max_iterations: 2 },
          { mt_id: "MT-002", name: "b", depends_on: ["MT-001"] },
        ]),
      }),
    }),
    fc.record({ op: fc.constant("start_mt"), params: fc.record({ wp_id: id, mt_id: mt }) }),
    fc.record({
      op: fc.constant("record_iteration"),
      params: fc.record({
        wp_id: id,
        mt_id: mt,
        iteration: fc.integer({ min: 1, max: 3 }),
        model_id: fc.constant("m"),
        outcome: fc.constantFrom("SUCCESS", "RETRY", "ESCALATE", "BLOCKED"),
      }),
    }),
    fc.record({
      op: fc.constant("complete_mt"),
      params: fc.record({ wp_id: id, mt_id: mt, outcome: fc.constantFrom("completed", "failed", "skipped") }),
    }),
  ];
}

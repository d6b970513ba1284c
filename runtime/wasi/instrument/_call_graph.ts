/**
 * Which functions need a fuel check at entry: those that can recurse through direct
 * calls (members of a call-graph cycle) and those reachable through a table or a
 * function reference (`call_indirect` targets). Every other function runs a bounded
 * amount of straight-line code between loop-head checks.
 *
 * @module
 */

/**
 * Mark the functions that can take part in unbounded recursion.
 *
 * @param count number of defined functions (nodes 0..count-1)
 * @param edgeStart CSR offsets: callees of node i are `edges[edgeStart[i]..edgeStart[i+1])`
 * @param edges callee node indices
 * @returns a flag per node: 1 when the node is in a cycle (including a self call)
 * @example
 * ```ts
 * import { recursiveFunctions } from "./_call_graph.ts";
 * // 0 -> 1 -> 0, 2 -> 2, 3 leaf
 * const flags = recursiveFunctions(4, Int32Array.of(0, 1, 2, 3, 3), Int32Array.of(1, 0, 2));
 * console.log([...flags]); // [1, 1, 1, 0]
 * ```
 */
export function recursiveFunctions(
  count: number,
  edgeStart: Int32Array,
  edges: Int32Array,
): Uint8Array {
  // Iterative Tarjan's strongly connected components.
  const index = new Int32Array(count).fill(-1);
  const low = new Int32Array(count);
  const onStack = new Uint8Array(count);
  const stack = new Int32Array(count);
  let sp = 0;
  const callStack = new Int32Array(count);
  const edgePos = new Int32Array(count);
  const result = new Uint8Array(count);
  let next = 0;
  for (let root = 0; root < count; root++) {
    if (index[root] !== -1) continue;
    let csp = 0;
    callStack[csp++] = root;
    index[root] = low[root] = next++;
    stack[sp++] = root;
    onStack[root] = 1;
    edgePos[root] = edgeStart[root]!;
    while (csp > 0) {
      const v = callStack[csp - 1]!;
      const e = edgePos[v]!;
      if (e < edgeStart[v + 1]!) {
        edgePos[v] = e + 1;
        const w = edges[e]!;
        if (w === v) result[v] = 1;
        if (index[w] === -1) {
          index[w] = low[w] = next++;
          stack[sp++] = w;
          onStack[w] = 1;
          edgePos[w] = edgeStart[w]!;
          callStack[csp++] = w;
        } else if (onStack[w]) {
          if (index[w]! < low[v]!) low[v] = index[w]!;
        }
        continue;
      }
      csp--;
      if (csp > 0) {
        const parent = callStack[csp - 1]!;
        if (low[v]! < low[parent]!) low[parent] = low[v]!;
      }
      if (low[v] === index[v]) {
        let size = 0;
        const top = sp;
        let w: number;
        do {
          w = stack[--sp]!;
          onStack[w] = 0;
          size++;
        } while (w !== v);
        if (size > 1) { for (let i = sp; i < top; i++) result[stack[i]!] = 1; }
      }
    }
  }
  return result;
}

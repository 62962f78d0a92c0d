export function helper(cb) { cb(); }

// Call-heavy micro-benchmark: a call that does almost nothing.
function fib(n) {
  return n < 2 ? n : fib(n - 1) + fib(n - 2);
}
module.exports = () => fib(27);

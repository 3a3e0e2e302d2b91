'use strict'

function sorted (values) {
  return values.slice().sort((a, b) => a - b)
}

function median (values) {
  if (values.length === 0) return NaN
  const s = sorted(values)
  const mid = s.length >> 1
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2
}

function min (values) {
  return Math.min(...values)
}

function max (values) {
  return Math.max(...values)
}

/** 80,700 -> "80.7k"; 950 -> "950". */
function kilo (n) {
  if (!Number.isFinite(n)) return 'n/a'
  if (n >= 1e4) return `${(n / 1e3).toFixed(1)}k`
  if (n >= 1e3) return `${(n / 1e3).toFixed(2)}k`
  return n.toFixed(0)
}

function ratio (n) {
  return Number.isFinite(n) ? `${n.toFixed(2)}x` : 'n/a'
}

function mb (bytes) {
  return `${(bytes / 1048576).toFixed(1)} MB`
}

module.exports = { median, min, max, kilo, ratio, mb }

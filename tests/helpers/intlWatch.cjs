// Preloaded into a gateway under test (NODE_OPTIONS=--require): reports on stderr every use of what maps ICU's
// data into the process (about 7 MB resident for good, gateway/zone.ts): Intl's formatters and collator and the
// toLocale* methods built on them. The test then asserts the gate at work used none of them.
'use strict'
const report = (what) => process.stderr.write(`intl-watch: ${what}\n${new Error().stack.split('\n').slice(2, 8).join('\n')}\n`)
for (const name of ['DateTimeFormat', 'NumberFormat', 'Collator', 'PluralRules', 'RelativeTimeFormat', 'ListFormat', 'Segmenter', 'DisplayNames']) {
  const Original = Intl[name]
  if (!Original) continue
  Intl[name] = new Proxy(Original, {
    construct(target, args, newTarget) {
      report(`new Intl.${name}`)
      return Reflect.construct(target, args, newTarget)
    },
    apply(target, self, args) {
      report(`Intl.${name}()`)
      return Reflect.apply(target, self, args)
    },
  })
}
for (const [proto, names] of [
  [Date.prototype, ['toLocaleString', 'toLocaleDateString', 'toLocaleTimeString']],
  [Number.prototype, ['toLocaleString']],
  [String.prototype, ['localeCompare']],
]) {
  for (const name of names) {
    const original = proto[name]
    proto[name] = function (...args) {
      report(`${name}`)
      return original.apply(this, args)
    }
  }
}

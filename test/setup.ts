import '../common/polyfill.js'

// Stand-in for optional dependencies that must never be bundled (react-devtools-core).
export default {};

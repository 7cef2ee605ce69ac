// Bundles the widget into the Python package as jupyter_journey/static/widget.js
// and widget.css. Everything, plotly included, goes into the bundle so that the
// widget works with no network. `node build.mjs --watch` rebuilds on change.
import * as esbuild from "esbuild";

const options = {
	entryPoints: ["src/widget.ts", "src/widget.css"],
	outdir: "../jupyter_journey/static",
	bundle: true,
	format: "esm",
	target: "es2022",
	minify: true,
	legalComments: "eof",
	logLevel: "info",
};

if (process.argv.includes("--watch")) {
	const context = await esbuild.context(options);
	await context.watch();
} else {
	await esbuild.build(options);
}

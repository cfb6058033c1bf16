// Builds the committed front-end assets in ../static/build/.
//
//   npm --prefix frontend ci && npm --prefix frontend run build
//
// Compiles scss/app.scss to app.css (compressed, no source map) and copies the
// browser bundles of GOV.UK Frontend, MOJ Frontend and htmx, our own images and
// the licences of everything vendored. Nothing is fetched at run time.
import { copyFileSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as sass from 'sass';

const here = dirname(fileURLToPath(import.meta.url));
const modules = join(here, 'node_modules');
const out = join(here, '..', 'static', 'build');

// Words that must never reach the built CSS: the GOV.UK typeface and the crown.
const FORBIDDEN = [/GDS Transport/i, /crown/i, /govuk-crest/i, /govuk-logotype/i];

function packageVersion(name) {
  return JSON.parse(readFileSync(join(modules, name, 'package.json'), 'utf8')).version;
}

function copy(from, to) {
  mkdirSync(dirname(to), { recursive: true });
  copyFileSync(from, to);
}

// Minified bundles end with a sourceMappingURL comment; we ship no source maps.
function copyWithoutSourceMap(from, to) {
  mkdirSync(dirname(to), { recursive: true });
  const text = readFileSync(from, 'utf8').replace(/\n?\/\/# sourceMappingURL=\S+\s*$/, '\n');
  writeFileSync(to, text);
}

// 1. Styles. Compiled and checked before anything in static/build/ is touched, so a
//    failed build leaves the committed files as they were.
const result = sass.compile(join(here, 'scss', 'app.scss'), {
  style: 'compressed',
  sourceMap: false,
  loadPaths: [here],
  quietDeps: true,
  // GOV.UK Frontend 5 is written with @import; the warnings are theirs, not ours.
  silenceDeprecations: ['import', 'global-builtin'],
});
for (const pattern of FORBIDDEN) {
  if (pattern.test(result.css)) {
    throw new Error(`app.css must not mention ${pattern}: check the settings in scss/app.scss`);
  }
}
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
writeFileSync(join(out, 'app.css'), result.css + '\n');

// 2. Scripts. Both design-system bundles are self-contained ES modules.
copyWithoutSourceMap(
  join(modules, 'govuk-frontend', 'dist', 'govuk', 'govuk-frontend.min.js'),
  join(out, 'govuk-frontend.min.js'),
);
copyWithoutSourceMap(
  join(modules, '@ministryofjustice', 'frontend', 'moj', 'moj-frontend.min.js'),
  join(out, 'moj-frontend.min.js'),
);
copy(join(modules, 'htmx.org', 'dist', 'htmx.min.js'), join(out, 'htmx.min.js'));

// 3. Images: only those the compiled CSS points at (MOJ component icons), plus our own.
//    GOV.UK Frontend's images and fonts all carry GOV.UK branding, so none are copied.
const mojImages = join(modules, '@ministryofjustice', 'frontend', 'moj', 'assets', 'images');
const wanted = new Set(
  [...result.css.matchAll(/\/static\/build\/assets\/images\/([\w.-]+)/g)].map((m) => m[1]),
);
const ownImages = join(here, 'images');
const ownNames = new Set(readdirSync(ownImages));
for (const name of wanted) {
  if (ownNames.has(name)) continue;
  copy(join(mojImages, name), join(out, 'assets', 'images', name));
}
for (const name of ownNames) {
  copy(join(ownImages, name), join(out, 'assets', 'images', name));
}

// 4. Licences of what is vendored. A package's own licence file is copied when its
//    npm tarball has one; govuk-frontend and MOJ Frontend ship none, so their MIT
//    texts (from their source repositories) are kept in licences/ beside this file.
const vendored = [
  { name: 'govuk-frontend', files: 'govuk-frontend.min.js; app.css (compiled from its Sass)' },
  {
    name: '@ministryofjustice/frontend',
    files: 'moj-frontend.min.js; app.css (compiled from its Sass); assets/images/icon-*.svg',
  },
  { name: 'htmx.org', files: 'htmx.min.js' },
];
const licenceDir = join(out, 'licences');
const rows = [];
for (const { name, files } of vendored) {
  const pkg = JSON.parse(readFileSync(join(modules, name, 'package.json'), 'utf8'));
  const target = `${name.replace('@', '').replace('/', '-')}-LICENSE.txt`;
  const shipped = readdirSync(join(modules, name)).find((f) => /^licen[cs]e/i.test(f));
  const source = shipped ? join(modules, name, shipped) : join(here, 'licences', target);
  copy(source, join(licenceDir, target));
  rows.push(`| ${files} | ${name} | ${pkg.version} | ${pkg.license} | [licences/${target}](licences/${target}) |`);
}

writeFileSync(
  join(out, 'LICENCES.md'),
  [
    '# Licences of the vendored front-end files',
    '',
    'Written by `frontend/build.mjs`: rebuild rather than edit the files in this folder.',
    '',
    '| File(s) | Package | Version | Licence | Licence text |',
    '|---|---|---|---|---|',
    ...rows,
    '',
    'GOV.UK Frontend\'s code is under the MIT licence; its documentation is Crown copyright under',
    'the Open Government Licence v3.0 (none of the documentation is copied here). None of its',
    'fonts or images (GDS Transport, the crown, the crest, GOV.UK icons) is used or copied.',
    '',
    `app.css was compiled with sass (dart-sass) ${packageVersion('sass')}, a build tool; none of its code is shipped.`,
    "assets/images/favicon.svg and the `app-` styles in app.css are this project's own work.",
    '',
  ].join('\n'),
);

console.log(`Built ${out}`);
// Surface anything unexpected in what the CSS references.
const referenced = [...new Set([...result.css.matchAll(/url\(([^)]+)\)/g)].map((m) => m[1]))];
console.log(`  app.css references: ${referenced.join(', ') || 'no files'}`);

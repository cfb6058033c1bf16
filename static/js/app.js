// Progressive enhancement only: every page works without this file.
//
// Both design-system bundles are self-contained ES modules (static/build/, built by
// frontend/build.mjs). MOJ Frontend's older UMD build would need a global GOVUKFrontend,
// which the GOV.UK ES module does not create, so we use its ES module and expose it as
// window.MOJFrontend for any page script that wants one of its components.
import { initAll as initGovukFrontend } from '../build/govuk-frontend.min.js';
import * as MOJFrontend from '../build/moj-frontend.min.js';

window.MOJFrontend = MOJFrontend;

function initComponents(scope) {
  initGovukFrontend({ scope });
  MOJFrontend.initAll({ scope });
}

initComponents(document.body);

// Content that htmx swaps in later gets its components started too. htmx also fires
// htmx:load for the whole body once at start-up; that has been done just above.
document.addEventListener('htmx:load', (event) => {
  if (event.target instanceof Element && event.target !== document.body) {
    initComponents(event.target);
  }
});

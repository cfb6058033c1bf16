// Progressive enhancement only: every page works without this file.
//
// Both design-system bundles are self-contained ES modules (static/build/, built by
// frontend/build.mjs). MOJ Frontend's older UMD build would need a global GOVUKFrontend,
// which the GOV.UK ES module does not create, so we use its ES module and expose it as
// window.MOJFrontend for any page script that wants one of its components.
import { initAll as initGovukFrontend } from '../build/govuk-frontend.min.js';
import * as MOJFrontend from '../build/moj-frontend.min.js';

window.MOJFrontend = MOJFrontend;

// The MOJ filter beside a list (templates/includes/filter_panel.html). MOJ Frontend's initAll
// leaves it out, so it is started here. Without JavaScript the panel is simply part of the
// page, above the results on small screens; with it, a "Show filter"/"Hide filter" button
// hides and shows it, open at first on wide screens and closed on small ones.
function initFilters(scope) {
  for (const panel of scope.querySelectorAll('[data-module="app-filter"]')) {
    if (panel.hasAttribute('data-moj-filter-init')) continue;
    const filter = new MOJFrontend.FilterToggleButton(panel, {
      startHidden: false,
      toggleButtonContainer: { selector: `#${panel.dataset.toggleContainer}` },
    });
    // The panel is in the page flow, not a pop-up: say which region the button controls.
    filter.$menuButton?.removeAttribute('aria-haspopup');
    filter.$menuButton?.setAttribute('aria-controls', panel.id);
  }
}

// A table's scrolling box (the table_region tag) is a tab stop only while it has something
// to scroll to; without JavaScript it always is one.
function watchTableRegions(scope) {
  if (!('ResizeObserver' in window)) return;
  const observer = new ResizeObserver((entries) => {
    for (const { target } of entries) {
      if (target.scrollWidth > target.clientWidth) target.setAttribute('tabindex', '0');
      else target.removeAttribute('tabindex');
    }
  });
  for (const region of scope.querySelectorAll('.app-table-region')) observer.observe(region);
}

function initComponents(scope) {
  initGovukFrontend({ scope });
  MOJFrontend.initAll({ scope });
  initFilters(scope);
  watchTableRegions(scope);
}

initComponents(document.body);

// Content that htmx swaps in later gets its components started too. htmx also fires
// htmx:load for the whole body once at start-up; that has been done just above.
document.addEventListener('htmx:load', (event) => {
  if (event.target instanceof Element && event.target !== document.body) {
    initComponents(event.target);
  }
});

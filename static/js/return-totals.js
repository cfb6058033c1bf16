// Running totals on the monitoring return form, updated while the provider types.
//
// Progressive enhancement only. Without this file the page shows the totals the server worked
// out from the numbers last sent (portal/forms.py, FieldGroup; the markup is in
// portal/templates/portal/_breakdown_total.html), and the server alone decides what may be
// saved or submitted. The sentences here must stay the same as the server's.
//
// What it does, on the form marked data-return-totals:
// - each breakdown list (fieldset[data-breakdown]) shows "Total entered: 37 of 40 supported —
//   3 short" as soon as a box changes;
// - the explanation box (data-breakdown-explanation) is shown while a list that has been filled
//   in does not add up, and hidden when they all do (the server then discards any explanation);
// - each outcome measure (fieldset[data-outcome]) says when more improved than were assessed.
// Screen readers hear one short message in the live region (data-return-live) once typing
// pauses, about the list or measure just changed, and only when it says something new.

const PAUSE_MS = 1000;
const WHOLE = /^\+?\d+(?:\.0*)?$/; // what the server's IntegerField accepts as 0 or more
const EXPLANATION_LABEL = 'Why do the breakdowns not add up?';

const form = document.querySelector('form[data-return-totals]');
if (form) {
  start(form);
}

/** A box's value: {blank}, {invalid} or {value: whole number}. */
function readCount(input) {
  const text = input ? input.value.trim() : '';
  if (text === '') return { blank: true };
  if (!WHOLE.test(text)) return { invalid: true };
  return { value: parseInt(text.replace('+', ''), 10) };
}

function format(number) {
  return number.toLocaleString('en-GB');
}

function plural(count, one, many) {
  return count === 1 ? `1 ${one}` : `${format(count)} ${many}`;
}

/** The state of one breakdown list, worked out as FieldGroup does on the server. */
function listState(fieldset, supported) {
  let total = 0;
  let entered = false;
  let notCounted = 0;
  for (const input of fieldset.querySelectorAll('input')) {
    const count = readCount(input);
    if (count.blank) continue;
    if (count.invalid) {
      notCounted += 1;
    } else {
      total += count.value;
      entered = true;
    }
  }
  const difference = entered && supported !== null ? total - supported : null;
  let verdict = '';
  if (difference === 0) verdict = 'adds up';
  else if (difference !== null) verdict = difference < 0 ? `${format(-difference)} short` : `${format(difference)} over`;
  return {
    total, entered, notCounted, supported, verdict,
    mismatch: difference !== null && difference !== 0,
  };
}

function totalSentence(state) {
  let text = `Total entered: ${state.entered ? format(state.total) : 'none'}`;
  if (state.verdict) text += ` of ${format(state.supported)} supported — ${state.verdict}`;
  if (state.notCounted) text += ` (${plural(state.notCounted, 'box', 'boxes')} not counted: not a whole number)`;
  return text;
}

function warningChildren(text) {
  const icon = document.createElement('span');
  icon.className = 'govuk-warning-text__icon';
  icon.setAttribute('aria-hidden', 'true');
  icon.textContent = '!';
  const strong = document.createElement('strong');
  strong.className = 'govuk-warning-text__text';
  const hidden = document.createElement('span');
  hidden.className = 'govuk-visually-hidden';
  hidden.textContent = 'Warning: ';
  strong.append(hidden, text);
  return [icon, strong];
}

/** Rewrite a list's total element as the server would have written it. */
function showTotal(element, state) {
  const text = totalSentence(state);
  if (state.mismatch) {
    element.className = 'govuk-warning-text govuk-!-margin-bottom-0';
    element.replaceChildren(...warningChildren(text));
    return;
  }
  element.className = 'govuk-body govuk-!-margin-bottom-0';
  const number = document.createElement('strong');
  number.textContent = state.entered ? format(state.total) : 'none';
  const prefix = 'Total entered: ';
  element.replaceChildren(prefix, number, text.slice(prefix.length + number.textContent.length));
}

/** What an outcome measure's numbers say, or '' if nothing is wrong with them. */
function outcomeCheck(fieldset, supported) {
  const assessed = readCount(fieldset.querySelector('input[name$="__assessed"]'));
  const improved = readCount(fieldset.querySelector('input[name$="__improved"]'));
  if (assessed.value !== undefined && improved.value !== undefined && improved.value > assessed.value) {
    return `${format(improved.value)} improved is more than the ${format(assessed.value)} assessed`;
  }
  return '';
}

function start(form) {
  const supportedInput = form.querySelector('input[name="supported"]');
  const lists = [...form.querySelectorAll('fieldset[data-breakdown]')];
  const measures = [...form.querySelectorAll('fieldset[data-outcome]')];
  const explanation = form.querySelector('[data-breakdown-explanation]');
  const live = form.querySelector('[data-return-live]');
  let timer = null;
  let lastSaid = '';
  // Whether the explanation box appeared or went away since the last announcement: it may
  // happen at any keystroke, and is said with the next announcement.
  let boxNews = '';

  function supported() {
    const count = readCount(supportedInput);
    return count.value === undefined ? null : count.value;
  }

  /** Update everything on the page; returns what a screen reader should hear about ``changed``. */
  function update(changed) {
    const victims = supported();
    const states = new Map();
    for (const fieldset of lists) {
      const state = listState(fieldset, victims);
      states.set(fieldset, state);
      const element = fieldset.querySelector('[data-breakdown-total]');
      if (element) showTotal(element, state);
    }
    const mismatched = [...states.values()].filter((state) => state.mismatch).length;
    if (explanation && explanation.hidden !== (mismatched === 0)) {
      explanation.hidden = mismatched === 0;
      if (changed) {
        const news = explanation.hidden ? 'gone' : 'appeared';
        boxNews = boxNews && boxNews !== news ? '' : news; // appearing then going is no news
      }
    }
    const checks = new Map();
    for (const fieldset of measures) {
      const text = outcomeCheck(fieldset, victims);
      checks.set(fieldset, text);
      const element = fieldset.querySelector('[data-outcome-check]');
      if (!element) continue;
      element.hidden = text === '';
      element.replaceChildren(...(text ? warningChildren(`Check: ${text}`) : []));
    }

    if (!changed) return '';
    const list = changed.closest('fieldset[data-breakdown]');
    if (list) {
      return `${list.dataset.breakdownLabel}: ${totalSentence(states.get(list))}.`;
    }
    const measure = changed.closest('fieldset[data-outcome]');
    if (measure) {
      const text = checks.get(measure);
      return text ? `${measure.dataset.outcomeLabel}: check: ${text}.` : '';
    }
    if (changed === supportedInput && [...states.values()].some((state) => state.entered)) {
      if (victims === null) return '';
      return mismatched === 0
        ? `Every breakdown filled in adds up to the ${format(victims)} victims supported.`
        : `${plural(mismatched, 'breakdown does', 'breakdowns do')} not add up to the ${format(victims)} victims supported.`;
    }
    return '';
  }

  function say(message) {
    if (boxNews === 'appeared') message += ` The box “${EXPLANATION_LABEL}” has appeared after the breakdowns.`;
    if (boxNews === 'gone') message += ` The box “${EXPLANATION_LABEL}” is no longer needed and has gone.`;
    boxNews = '';
    message = message.trim();
    if (!live || !message || message === lastSaid) return;
    lastSaid = message;
    live.textContent = message;
  }

  form.addEventListener('input', (event) => {
    if (!(event.target instanceof HTMLInputElement)) return;
    const message = update(event.target);
    window.clearTimeout(timer);
    // Announce once the provider pauses, not at every keystroke.
    timer = window.setTimeout(() => say(message), PAUSE_MS);
  });

  update(null);
}

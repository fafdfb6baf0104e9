// The booking page: signs a customer in to the workspace's Cognito user pool (SRP: the password never
// leaves the browser), books a trip through the bookings API, draws the saga's steps while it runs, lists
// the customer's bookings and cancels one. No framework and no build: the DOM, fetch and
// amazon-cognito-identity-js (vendor/). What it needs of the workspace is in config.json, written by
// Terraform (modules/site): the API's URL, the user pool, Cognito's endpoint, the step catalog.
"use strict";

(() => {
  const FINAL = new Set(["confirmed", "rejected", "rolled back", "cancelled", "needs attention"]);
  const FAILED = new Set(["rejected", "rolled back", "needs attention"]);
  const FAULTS = ["fail", "transient:2", "timeout", "permanent", "until-redrive"]; // the API's Faults pattern
  const SVG = "http://www.w3.org/2000/svg";
  const SLOW_AFTER = 70; // looks (about two minutes): a booking still pending then is looked at every 15 s
  const NODE = { width: 164, height: 58, gap: 26, row: 96 };
  const $ = (id) => document.getElementById(id);
  const storage = window.sessionStorage; // tokens last as long as the tab, not on disk
  let config;
  let pool;
  let pollTimer = null;
  let bookingId = null; // the id of the booking the form is about to send: a retry sends the same one
  let nextPage = null;
  let notice = null; // {id, text}: said on that booking's view until the customer goes elsewhere

  class SignedOut extends Error {}

  // -- the workspace, and who is signed in ------------------------------------------------------------
  async function main() {
    try {
      const answer = await fetch("config.json", { cache: "no-cache" });
      if (!answer.ok) throw new Error(`config.json answered ${answer.status}`);
      config = await answer.json();
    } catch (error) {
      return fatal(`This page's configuration could not be read (${error.message}).`);
    }
    pool = new AmazonCognitoIdentity.CognitoUserPool({
      UserPoolId: config.userPoolId,
      ClientId: config.clientId,
      endpoint: config.cognitoEndpoint,
      Storage: storage,
    });
    buildFaultChoices();
    $("sign-in-form").addEventListener("submit", onSignIn);
    $("sign-out").addEventListener("click", onSignOut);
    $("book-form").addEventListener("submit", onBook);
    $("cancel-button").addEventListener("click", onCancel);
    $("more").addEventListener("click", () => loadList(false));
    window.addEventListener("hashchange", route);
    $("loading").hidden = true;
    await route();
  }

  function fatal(message) {
    $("loading").hidden = true;
    $("fatal").textContent = message;
    $("fatal").hidden = false;
  }

  function currentSession() {
    const user = pool.getCurrentUser();
    if (!user) return Promise.resolve(null);
    // getSession refreshes expired tokens with the refresh token (REFRESH_TOKEN_AUTH).
    return new Promise((resolve) => user.getSession((error, session) => resolve(error || !session?.isValid() ? null : session)));
  }

  function signIn(username, password, newPassword) {
    return new Promise((resolve, reject) => {
      const user = new AmazonCognitoIdentity.CognitoUser({ Username: username, Pool: pool, Storage: storage });
      user.setAuthenticationFlowType("USER_SRP_AUTH");
      const details = new AmazonCognitoIdentity.AuthenticationDetails({ Username: username, Password: password });
      const unsupported = () => reject(new Error("This account needs a second factor, which this page does not offer yet."));
      user.authenticateUser(details, {
        onSuccess: resolve,
        onFailure: reject,
        newPasswordRequired: () => {
          if (!newPassword) {
            const error = new Error("Your first sign-in needs a new password: choose one below.");
            error.code = "NewPasswordRequired";
            return reject(error);
          }
          user.completeNewPasswordChallenge(newPassword, {}, { onSuccess: resolve, onFailure: reject });
        },
        mfaRequired: unsupported,
        totpRequired: unsupported,
        mfaSetup: unsupported,
      });
    });
  }

  async function onSignIn(event) {
    event.preventDefault();
    const form = event.target;
    const error = $("sign-in-error");
    error.hidden = true;
    form.querySelector("button").disabled = true;
    try {
      await signIn($("username").value.trim(), $("password").value, $("new-password").value);
      form.reset();
      $("new-password-row").hidden = true;
      await route();
      $("main").focus();
    } catch (failure) {
      if (failure.code === "NewPasswordRequired") $("new-password-row").hidden = false;
      error.textContent = failure.message || String(failure);
      error.hidden = false;
    } finally {
      form.querySelector("button").disabled = false;
    }
  }

  // Sign out everywhere: GlobalSignOut revokes the user's refresh tokens (the app client's token revocation),
  // then the tab forgets its tokens whether or not Cognito could be reached.
  async function onSignOut() {
    const user = pool.getCurrentUser();
    if (user) {
      await new Promise((resolve) => user.getSession(() => resolve())); // globalSignOut needs the session loaded
      await new Promise((resolve) => user.globalSignOut({ onSuccess: resolve, onFailure: resolve }));
    }
    signedOut("");
  }

  function signedOut(message) {
    storage.clear();
    $("sign-in-error").textContent = message;
    $("sign-in-error").hidden = !message;
    if (location.hash !== "#/") location.hash = "#/"; // route() runs on the hash change
    else route();
  }

  // -- the API -----------------------------------------------------------------------------------------
  async function api(method, path, body) {
    const session = await currentSession();
    if (!session) {
      signedOut("Your session has ended: sign in again.");
      throw new SignedOut();
    }
    const headers = { authorization: `Bearer ${session.getAccessToken().getJwtToken()}` };
    if (body !== undefined) headers["content-type"] = "application/json";
    const answer = await fetch(config.apiUrl + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const type = answer.headers.get("content-type") || "";
    const payload = type.includes("json") ? await answer.json() : { detail: await answer.text() };
    if (answer.status === 401) {
      signedOut("Your session has ended: sign in again.");
      throw new SignedOut();
    }
    return { status: answer.status, body: payload };
  }

  function problemText(body) {
    return body.detail || body.message || "The request was refused.";
  }

  // -- which view --------------------------------------------------------------------------------------
  // Nothing of the booking shown before stays on the page as the next one's, not even hidden.
  function clearBooking() {
    $("booking-status").textContent = "loading…";
    delete $("booking-status").dataset.status;
    $("booking-error").hidden = true;
    $("cancel-button").hidden = true;
    $("graph").replaceChildren($("graph-title"));
    $("parts").tBodies[0].replaceChildren();
  }

  async function route() {
    stopPolling();
    clearBooking();
    if (notice && location.hash !== `#/bookings/${notice.id}`) notice = null;
    const session = await currentSession();
    $("sign-in").hidden = Boolean(session);
    $("who").hidden = !session;
    const asked = location.hash.startsWith("#/bookings/");
    const match = /^#\/bookings\/([A-Za-z0-9][A-Za-z0-9_-]{0,63})$/.exec(location.hash);
    $("booking").hidden = !session || !asked;
    $("book").hidden = !session || asked;
    $("list").hidden = !session || asked;
    if (!session) return;
    $("who-name").textContent = session.getAccessToken().decodePayload().username || "";
    try {
      if (match) await showBooking(match[1]);
      else if (asked) notFound(decodeURIComponent(location.hash.slice("#/bookings/".length)));
      else await loadList(true);
    } catch (error) {
      if (!(error instanceof SignedOut)) fatal(`The bookings API could not be reached (${error.message}).`);
    }
  }

  // -- booking -----------------------------------------------------------------------------------------
  function buildFaultChoices() {
    if (!config.faultInjection) return;
    const choices = $("fault-choices");
    for (const step of config.steps) {
      const id = `faults.${step.faultKey}`;
      const field = document.createElement("div");
      field.className = "field";
      const label = document.createElement("label");
      label.htmlFor = id;
      label.textContent = step.state;
      const select = document.createElement("select");
      select.id = id;
      select.name = id;
      for (const value of ["", ...FAULTS]) select.append(new Option(value || "no fault", value));
      field.append(label, select);
      choices.append(field);
    }
    $("faults").hidden = false;
  }

  function newBookingId() {
    const bytes = crypto.getRandomValues(new Uint8Array(8));
    return `trip-${Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("")}`;
  }

  function requestOf(form) {
    bookingId ??= newBookingId();
    const request = { booking_id: bookingId };
    for (const field of form.elements) {
      if (!field.name || (field.name.startsWith("faults.") && field.value === "")) continue;
      let value = field.value.trim();
      if (field.dataset.type === "integer" && /^-?\d+$/.test(value)) value = Number(value);
      const path = field.name.split(".");
      let target = request;
      for (const part of path.slice(0, -1)) target = target[part] ??= {};
      target[path.at(-1)] = value;
    }
    return request;
  }

  function clearFieldErrors(form) {
    for (const message of form.querySelectorAll(".field-error")) message.remove();
    for (const field of form.querySelectorAll("[aria-invalid]")) {
      field.removeAttribute("aria-invalid");
      field.removeAttribute("aria-describedby");
    }
  }

  // The API's 400 names each field by its JSON Pointer (#/flight/origin): each message goes beside its field.
  function showFieldErrors(form, errors, alert) {
    const elsewhere = [];
    let first = null;
    for (const { pointer, detail } of errors) {
      const field = $(pointer.replace(/^#\/?/, "").replaceAll("/", "."));
      if (!field || !form.contains(field)) {
        elsewhere.push(`${pointer.replace(/^#\/?/, "") || "request"}: ${detail}`);
        continue;
      }
      const message = document.createElement("span");
      message.className = "field-error";
      message.id = `${field.id}-error`;
      message.textContent = detail;
      field.after(message);
      field.setAttribute("aria-invalid", "true");
      field.setAttribute("aria-describedby", message.id);
      first ??= field;
    }
    alert.textContent = `The booking was refused: ${errors.length} field${errors.length === 1 ? " needs" : "s need"} a change.`;
    if (elsewhere.length) alert.textContent += ` ${elsewhere.join("; ")}`;
    alert.hidden = false;
    (first || alert).focus?.();
  }

  async function onBook(event) {
    event.preventDefault();
    const form = event.target;
    const alert = $("book-error");
    clearFieldErrors(form);
    alert.hidden = true;
    $("book-button").disabled = true;
    try {
      const answer = await api("POST", "/bookings", requestOf(form));
      if (answer.status === 202 || answer.status === 200) {
        const id = bookingId;
        bookingId = null; // the next booking is another one
        location.hash = `#/bookings/${id}`;
      } else if (answer.status === 400 && Array.isArray(answer.body.errors)) {
        showFieldErrors(form, answer.body.errors, alert);
      } else if (answer.status === 409 && (await api("GET", `/bookings/${encodeURIComponent(bookingId)}`)).status === 200) {
        // An earlier send of this form went through (its answer was lost) and the form changed since: that
        // booking stands, this change was not booked. Show it rather than let a second click book again.
        const id = bookingId;
        bookingId = null;
        notice = { id, text: "Your earlier request had already booked this trip, as shown here; the changes you made since were not booked." };
        location.hash = `#/bookings/${id}`;
      } else {
        alert.textContent = problemText(answer.body);
        alert.hidden = false;
        if (answer.status === 409) bookingId = null; // someone else's id: the next try gets a new one
      }
    } catch (error) {
      if (!(error instanceof SignedOut)) {
        alert.textContent = `The booking could not be sent (${error.message}); sending again books it once.`;
        alert.hidden = false;
      }
    } finally {
      $("book-button").disabled = false;
    }
  }

  // -- one booking, drawn while it runs -----------------------------------------------------------------
  function stopPolling() {
    clearTimeout(pollTimer);
    pollTimer = null;
  }

  async function showBooking(id, attempt = 0) {
    $("booking-id").textContent = id;
    const answer = await api("GET", `/bookings/${encodeURIComponent(id)}`);
    if (`#/bookings/${id}` !== location.hash) return; // navigated away meanwhile
    const error = $("booking-error");
    if (answer.status !== 200) {
      notFound(id, answer.status === 404 ? "You have no booking with that id." : problemText(answer.body));
      return;
    }
    error.hidden = true;
    if (notice?.id === id) {
      error.textContent = notice.text;
      error.hidden = false;
    }
    const view = answer.body;
    const status = $("booking-status");
    status.textContent = view.status;
    status.dataset.status = view.status;
    $("booking-progress").textContent = FINAL.has(view.status) ? "" : attempt > SLOW_AFTER ? "still pending: looking again every 15 s…" : "the saga is running…";
    $("cancel-button").hidden = view.status !== "confirmed";
    draw(view);
    drawParts(view.parts);
    if (!FINAL.has(view.status)) poll(id, attempt + 1);
  }

  // The next look at a running booking: sooner at first, then less often; a failed look is said and tried again.
  function poll(id, attempt) {
    pollTimer = setTimeout(async () => {
      try {
        await showBooking(id, attempt);
      } catch (error) {
        if (error instanceof SignedOut || `#/bookings/${id}` !== location.hash) return;
        $("booking-progress").textContent = `the bookings API could not be reached (${error.message}); trying again…`;
        poll(id, attempt);
      }
    }, attempt > SLOW_AFTER ? 15000 : Math.min(250 * 1.3 ** attempt, 2000));
  }

  function notFound(id, message = "You have no booking with that id.") {
    $("booking-id").textContent = id;
    $("booking-error").textContent = message;
    $("booking-error").hidden = false;
    $("booking-status").textContent = "";
    $("cancel-button").hidden = true;
    draw({ steps: [], status: "pending", parts: {} });
  }

  async function onCancel() {
    const id = $("booking-id").textContent;
    $("cancel-button").disabled = true;
    try {
      const answer = await api("POST", `/bookings/${encodeURIComponent(id)}/cancel`);
      if (answer.status !== 202) {
        $("booking-error").textContent = problemText(answer.body);
        $("booking-error").hidden = false;
      }
      stopPolling();
      await showBooking(id);
    } finally {
      $("cancel-button").disabled = false;
    }
  }

  // Each step's status from the states its executions entered (the view's steps and cancellation_steps).
  function statuses(view) {
    const catalog = config.steps;
    const entered = view.steps || [];
    const running = !FINAL.has(view.status) && view.status !== "cancelling";
    const forward = catalog.filter((step) => step.kind === "reserve" || step.kind === "confirm").map((step) => step.state);
    const compensations = catalog.filter((step) => step.kind === "compensate").map((step) => step.state);
    const firstCompensation = entered.findIndex((state) => compensations.includes(state));
    const beforeCompensation = firstCompensation < 0 ? entered : entered.slice(0, firstCompensation);
    const failedForward = FAILED.has(view.status) || firstCompensation >= 0 ? beforeCompensation.findLast((state) => forward.includes(state)) : null;
    const last = entered.at(-1);
    const result = {};
    for (const state of forward) {
      if (!entered.includes(state)) result[state] = "not-run";
      else if (state === failedForward) result[state] = "failed";
      else result[state] = running && state === last ? "running" : "done";
    }
    for (const state of compensations) {
      if (!entered.includes(state)) result[state] = "not-run";
      else if (state === last && view.status === "needs attention") result[state] = "failed";
      else result[state] = running && state === last ? "running" : "undone";
    }
    const cancelling = view.cancellation_steps || [];
    for (const step of catalog.filter((item) => item.kind === "cancel")) {
      const state = step.state;
      if (!cancelling.includes(state)) result[state] = "not-run";
      else if (state === cancelling.at(-1) && view.status === "needs attention") result[state] = "failed";
      else result[state] = view.status === "cancelling" && state === cancelling.at(-1) ? "running" : "done";
    }
    return result;
  }

  const WORDS = { done: "done", running: "running", failed: "failed", undone: "compensated", "not-run": "not run" };

  function draw(view) {
    const svg = $("graph");
    const title = $("graph-title");
    svg.replaceChildren(title);
    const status = statuses(view);
    const forward = config.steps.filter((step) => step.kind === "reserve" || step.kind === "confirm");
    const column = (state) => forward.findIndex((step) => step.state === state);
    const underService = (kind, service) => column(forward.find((step) => step.kind === kind && step.service === service)?.state);
    const rows = [
      { label: "booking", steps: forward.map((step, index) => ({ ...step, column: index })) },
      { label: "compensation (newest first)", steps: config.steps.filter((s) => s.kind === "compensate").map((s) => ({ ...s, column: underService("reserve", s.service) })) },
    ];
    if (view.cancellation_steps?.length) {
      rows.push({ label: "cancellation", steps: config.steps.filter((s) => s.kind === "cancel").map((s) => ({ ...s, column: underService("confirm", s.service) })) });
    }
    const width = forward.length * (NODE.width + NODE.gap);
    svg.setAttribute("viewBox", `0 0 ${width} ${rows.length * NODE.row}`);
    const marker = element("marker", { id: "arrow", viewBox: "0 0 10 10", refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: "auto" });
    marker.append(element("path", { d: "M0,0 L10,5 L0,10 z", class: "arrow" }));
    const defs = element("defs", {});
    defs.append(marker);
    svg.append(defs);
    const spoken = [];
    rows.forEach((row, rowIndex) => {
      const top = rowIndex * NODE.row + 18;
      svg.append(element("text", { x: 0, y: top - 6, class: "row-label" }, row.label));
      row.steps.forEach((step, index) => {
        const x = step.column * (NODE.width + NODE.gap);
        const next = row.steps[index + 1];
        if (next) {
          const forwardEdge = next.column > step.column;
          const [from, to] = forwardEdge ? [x + NODE.width, next.column * (NODE.width + NODE.gap)] : [x, next.column * (NODE.width + NODE.gap) + NODE.width];
          const line = element("line", { x1: from, y1: top + NODE.height / 2, x2: to + (forwardEdge ? -2 : 2), y2: top + NODE.height / 2, class: "edge" });
          line.setAttribute("marker-end", "url(#arrow)");
          svg.append(line);
        }
        const group = element("g", { class: `step ${status[step.state]}`, "data-state": step.state, "data-status": status[step.state] });
        group.append(element("rect", { x, y: top, width: NODE.width, height: NODE.height, rx: 6 }));
        group.append(element("text", { x: x + 8, y: top + 22, class: "name" }, step.state));
        group.append(element("text", { x: x + 8, y: top + 44, class: "word" }, WORDS[status[step.state]]));
        svg.append(group);
        spoken.push(`${step.state} ${WORDS[status[step.state]]}`);
      });
    });
    title.textContent = `The saga's steps: ${spoken.join(", ")}.`;
  }

  function element(name, attributes, text) {
    const node = document.createElementNS(SVG, name);
    for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, value);
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function drawParts(parts) {
    const body = $("parts").tBodies[0];
    body.replaceChildren();
    for (const service of ["flight", "hotel", "payment"]) {
      const part = parts?.[service];
      const row = body.insertRow();
      row.dataset.service = service;
      row.insertCell().textContent = service;
      row.insertCell().textContent = part?.status ?? "none";
      row.insertCell().textContent = part?.reference ?? "";
    }
  }

  // -- the customer's bookings --------------------------------------------------------------------------
  async function loadList(first) {
    if (first) nextPage = null;
    const query = new URLSearchParams({ limit: "10" });
    if (!first && nextPage) query.set("after", nextPage);
    const answer = await api("GET", `/bookings?${query}`);
    const body = $("bookings").tBodies[0];
    if (first) body.replaceChildren();
    if (answer.status !== 200) throw new Error(problemText(answer.body));
    for (const booking of answer.body.bookings) {
      const row = body.insertRow();
      row.dataset.booking = booking.booking_id;
      const link = document.createElement("a");
      link.href = `#/bookings/${booking.booking_id}`;
      link.textContent = booking.booking_id;
      row.insertCell().append(link);
      row.insertCell().textContent = booking.status;
      const trip = booking.trip;
      row.insertCell().textContent = trip ? `${trip.origin} → ${trip.destination} ${trip.departure_date}, ${trip.amount} ${trip.currency}` : "";
      row.insertCell().textContent = booking.created_at.slice(0, 16).replace("T", " ");
    }
    nextPage = answer.body.next;
    $("more").hidden = !nextPage;
    $("list-empty").hidden = body.rows.length > 0;
    $("bookings").hidden = body.rows.length === 0;
  }

  main();
})();

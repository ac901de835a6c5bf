// Vidscope console (DESIGN §3c). One module, no dependencies. Every piece of text that comes from
// the API (titles, metadata, transcripts, on-screen text, entities, error messages) is inserted as
// text: through el()'s children or textContent, never parsed as markup; links and media sources only
// through safeUrl(). The page's Content-Security-Policy forbids inline script besides.

const KEY_STORE = "vidscope.apiKey"; // sessionStorage: gone with the tab, never in a URL or a log
const RUNNING = new Set(["pending", "processing"]);
const LIST_REFRESH_MS = 1500;
const JOB_REFRESH_MS = 1000;
const PAGE_LIMIT = 100;
const MAX_PAGES = 50;
const SPEAKER_COLOURS = 6;
// Headers a page may not set itself (the browser sends its own Content-Length for the file).
const FORBIDDEN_HEADERS = new Set(["content-length", "host", "connection"]);
const MEDIA_TYPES = {
  mp4: "video/mp4", m4v: "video/mp4", mov: "video/quicktime", webm: "video/webm", mkv: "video/x-matroska",
  avi: "video/x-msvideo", m4a: "audio/mp4", mp3: "audio/mpeg", wav: "audio/wav", ogg: "audio/ogg", flac: "audio/flac",
};

const $ = (id) => document.getElementById(id);

/** An element with attributes and children; strings become text nodes, never markup. */
function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (name === "class") node.className = value;
    else if (name === "text") node.textContent = String(value);
    else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else if (name === "dataset") Object.assign(node.dataset, value);
    else if (name === "href" || name === "src") {
      const url = safeUrl(value);
      if (url) node.setAttribute(name, url);
    } else node.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child !== null && child !== undefined && child !== false) node.append(child);
  }
  return node;
}

/** The URL if it is http(s) (or a same-origin path), else null: no javascript:, data: or others. */
function safeUrl(value) {
  if (typeof value !== "string" || !value) return null;
  try {
    const url = new URL(value, location.href);
    return url.protocol === "https:" || url.protocol === "http:" ? url.href : null;
  } catch {
    return null;
  }
}

function fmtTime(seconds) {
  if (typeof seconds !== "number" || !Number.isFinite(seconds)) return "–";
  const whole = Math.max(0, seconds);
  const m = Math.floor(whole / 60);
  const s = whole - m * 60;
  return `${m}:${s < 10 ? "0" : ""}${s.toFixed(1)}`;
}

function fmtDate(iso) {
  if (!iso) return "–";
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? String(iso) : date.toLocaleString();
}

function fmtBytes(bytes) {
  if (typeof bytes !== "number") return "";
  const units = ["B", "KB", "MB", "GB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(unit ? 1 : 0)} ${units[unit]}`;
}

// --- the API --------------------------------------------------------------------------------

class ApiError extends Error {
  constructor(status, code, message, details) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details || [];
  }
}

async function api(path, { method = "GET", body, headers = {} } = {}) {
  const key = sessionStorage.getItem(KEY_STORE);
  const sent = { Accept: "application/json", ...headers };
  if (key) sent["X-Api-Key"] = key;
  if (body !== undefined) sent["Content-Type"] = "application/json";
  let response;
  try {
    response = await fetch(path, {
      method, headers: sent, body: body === undefined ? undefined : JSON.stringify(body), cache: "no-store",
    });
  } catch {
    throw new ApiError(0, "NETWORK_ERROR", "the API could not be reached");
  }
  let payload = null;
  try {
    payload = await response.json();
  } catch {
    payload = null;
  }
  if (!response.ok) {
    const error = (payload && payload.error) || {};
    throw new ApiError(response.status, error.code || `HTTP_${response.status}`, error.message || response.statusText,
      error.details);
  }
  return payload;
}

function showError(error) {
  const box = $("error");
  const code = error instanceof ApiError ? error.code : "CONSOLE_ERROR";
  const details = (error.details || []).map((d) => el("li", {}, el("code", { text: d.field || d.loc || "" }), " ",
    String(d.message || d.msg || "")));
  box.replaceChildren(
    el("strong", { class: "code", text: code }), " ", el("span", { text: error.message || String(error) }),
    details.length ? el("ul", {}, details) : null,
    el("button", { type: "button", class: "quiet", "aria-label": "Dismiss the error", onclick: clearError }, "×"),
  );
  box.hidden = false;
}

function clearError() {
  $("error").hidden = true;
  $("error").replaceChildren();
}

function hasKey() {
  return Boolean(sessionStorage.getItem(KEY_STORE));
}

// --- the API key and the account -----------------------------------------------------------

function setupKey() {
  const input = $("api-key");
  input.value = sessionStorage.getItem(KEY_STORE) || "";
  $("key-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const key = input.value.trim();
    if (key) sessionStorage.setItem(KEY_STORE, key);
    else sessionStorage.removeItem(KEY_STORE);
    clearError();
    refreshAccount();
    route();
  });
  $("forget-key").addEventListener("click", () => {
    sessionStorage.removeItem(KEY_STORE);
    input.value = "";
    $("account").textContent = "";
    route();
  });
}

async function refreshAccount() {
  if (!hasKey()) return;
  try {
    const account = (await api("/v1/account")).data;
    $("account").textContent =
      `${account.name} · ${account.plan} · ${account.credit_balance.toLocaleString()} credits`;
  } catch (error) {
    $("account").textContent = "";
    showError(error);
  }
}

// --- the create form, from the OpenAPI document ---------------------------------------------

let chosenFile = null;

function refName(schema) {
  if (!schema) return null;
  if (schema.$ref) return schema.$ref.split("/").pop();
  for (const option of schema.anyOf || []) {
    if (option.$ref) return option.$ref.split("/").pop();
  }
  return null;
}

/** The non-null branch of an optional field's schema. */
function unwrap(schema) {
  const branches = (schema.anyOf || []).filter((s) => s.type !== "null");
  return branches.length === 1 ? { ...schema, ...branches[0], anyOf: undefined } : schema;
}

async function loadCapabilities() {
  let documentJson;
  try {
    const response = await fetch("/openapi.json", { cache: "no-store" });
    documentJson = await response.json();
  } catch {
    showError(new ApiError(0, "NETWORK_ERROR", "the API description could not be read"));
    return;
  }
  const schemas = documentJson.components.schemas;
  const names = [...schemas.CreateJobRequest.properties.capabilities.items.enum].sort();
  const fieldset = $("capabilities");
  $("capabilities-loading").remove();
  const grid = el("div", { class: "capability-grid" });
  const options = $("options");
  for (const name of names) {
    const id = `cap-${name}`;
    const optionSchema = schemas[refName((schemas.JobOptions.properties || {})[name])];
    const optionBox = optionFields(name, optionSchema);
    const box = el("input", { type: "checkbox", id, name: "capability", value: name });
    box.addEventListener("change", () => {
      if (optionBox) optionBox.hidden = !box.checked;
    });
    grid.append(el("div", { class: "capability" }, box, el("label", { for: id, text: name })));
    if (optionBox) options.append(optionBox);
  }
  fieldset.append(grid);
}

/** A fieldset of one capability's options, or null when it has none the form can edit. */
function optionFields(capability, schema) {
  if (!schema || !schema.properties) return null;
  const fields = [];
  for (const [name, raw] of Object.entries(schema.properties)) {
    const field = optionField(capability, name, unwrap(raw));
    if (field) fields.push(field);
  }
  if (!fields.length) return null;
  return el("fieldset", { class: "option-set", hidden: true, dataset: { capability } },
    el("legend", { text: `${capability} options` }), fields);
}

function optionField(capability, name, schema) {
  const id = `opt-${capability}-${name}`;
  const label = `${capability}: ${schema.title || name}`;
  const data = { capability, option: name };
  const help = schema.description ? el("span", { class: "help", text: schema.description }) : null;
  if (schema.type === "boolean") {
    data.kind = "boolean";
    data.default = String(Boolean(schema.default));
    return el("div", { class: "option" },
      el("input", { type: "checkbox", id, checked: Boolean(schema.default), dataset: data }),
      el("label", { for: id, text: label }), help);
  }
  if (schema.type === "integer" || schema.type === "number") {
    data.kind = schema.type;
    return el("div", { class: "option" }, el("label", { for: id, text: label }),
      el("input", { type: "number", id, min: schema.minimum, max: schema.maximum,
        step: schema.type === "integer" ? 1 : "any", placeholder: schema.default ?? "", dataset: data }), help);
  }
  if (schema.type === "string" && schema.enum) {
    data.kind = "string";
    const choices = schema.enum.map((v) => el("option", { value: v, selected: v === schema.default, text: v }));
    if (schema.default === undefined) choices.unshift(el("option", { value: "", text: "(default)" }));
    return el("div", { class: "option" }, el("label", { for: id, text: label }),
      el("select", { id, dataset: data }, choices), help);
  }
  if (schema.type === "string") {
    data.kind = "string";
    return el("div", { class: "option" }, el("label", { for: id, text: label }),
      el("input", { type: "text", id, dataset: data }), help);
  }
  if (schema.type === "array" && schema.items && schema.items.enum) {
    return el("fieldset", { class: "option", dataset: { ...data, kind: "choices" } },
      el("legend", { text: label }),
      schema.items.enum.map((v) => el("span", { class: "choice" },
        el("input", { type: "checkbox", id: `${id}-${v}`, value: v }), el("label", { for: `${id}-${v}`, text: v }))),
      help);
  }
  if (schema.type === "object") {
    data.kind = "json";
    return el("div", { class: "option" }, el("label", { for: id, text: `${label} (JSON)` }),
      el("textarea", { id, rows: 3, spellcheck: "false", dataset: data }), help);
  }
  return null; // nested settings: the API's defaults
}

/** {capability: {option: value}} for the options the person set. */
function collectOptions(capabilities) {
  const options = {};
  for (const capability of capabilities) {
    const set = document.querySelector(`.option-set[data-capability="${CSS.escape(capability)}"]`);
    if (!set) continue;
    const values = {};
    for (const field of set.querySelectorAll("[data-kind]")) {
      const value = optionValue(field);
      if (value !== undefined) values[field.dataset.option] = value;
    }
    if (Object.keys(values).length) options[capability] = values;
  }
  return options;
}

function optionValue(field) {
  const kind = field.dataset.kind;
  if (kind === "boolean") return String(field.checked) === field.dataset.default ? undefined : field.checked;
  if (kind === "choices") {
    const chosen = [...field.querySelectorAll("input:checked")].map((i) => i.value);
    return chosen.length ? chosen : undefined;
  }
  const text = field.value.trim();
  if (!text) return undefined;
  if (kind === "integer" || kind === "number") return Number(text);
  if (kind === "json") {
    try {
      return JSON.parse(text);
    } catch {
      throw new ApiError(0, "VALIDATION_ERROR", `${field.dataset.capability}.${field.dataset.option} is not valid JSON`);
    }
  }
  return text;
}

function setupCreateForm() {
  const drop = $("drop");
  const input = $("video-file");
  const choose = (file) => {
    chosenFile = file || null;
    $("file-chosen").textContent = chosenFile ? `${chosenFile.name} (${fmtBytes(chosenFile.size)}) will be uploaded` : "";
  };
  input.addEventListener("change", () => choose(input.files[0]));
  drop.addEventListener("dragover", (event) => {
    event.preventDefault();
    drop.classList.add("over");
  });
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", (event) => {
    event.preventDefault();
    drop.classList.remove("over");
    if (event.dataTransfer.files.length) choose(event.dataTransfer.files[0]);
  });
  $("create-form").addEventListener("submit", (event) => {
    event.preventDefault();
    createJob().catch(showError);
  });
}

function mediaType(file) {
  if (/^(video|audio)\//.test(file.type)) return file.type;
  const extension = (file.name.split(".").pop() || "").toLowerCase();
  return MEDIA_TYPES[extension] || "video/mp4";
}

async function createJob() {
  clearError();
  if (!hasKey()) throw new ApiError(0, "UNAUTHORIZED", "type your API key first");
  const capabilities = [...document.querySelectorAll('input[name="capability"]:checked')].map((b) => b.value);
  if (!capabilities.length) throw new ApiError(0, "VALIDATION_ERROR", "choose at least one capability");
  const body = { capabilities };
  const options = collectOptions(capabilities);
  if (Object.keys(options).length) body.options = options;
  const status = $("create-status");
  const button = $("create-job");
  button.disabled = true;
  try {
    if (chosenFile) {
      body.upload_id = await uploadFile(chosenFile);
    } else {
      const url = $("video-url").value.trim();
      if (!url) throw new ApiError(0, "VALIDATION_ERROR", "give a video URL or a file");
      body.url = url;
    }
    status.textContent = "Creating the job…";
    const created = (await api("/v1/jobs", { method: "POST", body, headers: { "Idempotency-Key": newKey() } })).data;
    status.textContent = `Created ${created.job_id}`;
    location.hash = `#/jobs/${created.job_id}`;
  } finally {
    button.disabled = false;
  }
}

function newKey() {
  if (crypto.randomUUID) return crypto.randomUUID();
  return [...crypto.getRandomValues(new Uint8Array(16))].map((b) => b.toString(16).padStart(2, "0")).join("");
}

async function uploadFile(file) {
  const status = $("create-status");
  status.textContent = `Starting the upload of ${file.name}…`;
  const upload = (await api("/v1/uploads", {
    method: "POST", body: { filename: file.name, content_type: mediaType(file), size_bytes: file.size },
  })).data;
  const bar = $("upload-progress");
  $("upload-status").hidden = false;
  bar.value = 0;
  await putFile(upload, file, (fraction) => {
    bar.value = Math.round(fraction * 100);
  });
  bar.value = 100;
  status.textContent = `Uploaded ${file.name}`;
  return upload.upload_id;
}

function putFile(upload, file, onProgress) {
  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest();
    request.open(upload.method || "PUT", upload.upload_url);
    for (const [name, value] of Object.entries(upload.headers || {})) {
      if (!FORBIDDEN_HEADERS.has(name.toLowerCase())) request.setRequestHeader(name, value);
    }
    request.upload.addEventListener("progress", (event) => {
      if (event.lengthComputable) onProgress(event.loaded / event.total);
    });
    request.addEventListener("load", () => {
      if (request.status >= 200 && request.status < 300) resolve();
      else reject(storageError(request));
    });
    request.addEventListener("error", () => reject(new ApiError(0, "UPLOAD_FAILED", "the file could not be sent to storage")));
    request.send(file);
  });
}

/** S3 answers in XML: its Code and Message, read from a parsed document (never inserted). */
function storageError(request) {
  const xml = new DOMParser().parseFromString(request.responseText || "", "application/xml");
  const code = xml.querySelector("Code");
  const message = xml.querySelector("Message");
  return new ApiError(request.status, code ? code.textContent : `HTTP_${request.status}`,
    message ? message.textContent : "storage refused the file");
}

// --- the jobs list -----------------------------------------------------------------------------

let listTimer = null;
let nextCursor = null;

function setupList() {
  $("status-filter").addEventListener("change", () => refreshList());
  $("refresh").addEventListener("click", () => refreshList());
  $("more-jobs").addEventListener("click", () => refreshList({ more: true }));
}

async function refreshList({ more = false } = {}) {
  clearTimeout(listTimer);
  if (!hasKey()) {
    $("jobs-body").replaceChildren();
    $("jobs-empty").textContent = "Type your API key to see your jobs.";
    $("jobs-empty").hidden = false;
    return;
  }
  const params = new URLSearchParams({ limit: "20" });
  const status = $("status-filter").value;
  if (status) params.set("status", status);
  if (more && nextCursor) params.set("cursor", nextCursor);
  let page;
  try {
    page = await api(`/v1/jobs?${params}`);
  } catch (error) {
    showError(error);
    return;
  }
  const rows = page.data.map(jobRow);
  if (more) $("jobs-body").append(...rows);
  else $("jobs-body").replaceChildren(...rows);
  nextCursor = page.pagination.next_cursor || null;
  $("more-jobs").hidden = !page.pagination.has_more;
  $("jobs-empty").hidden = $("jobs-body").children.length > 0;
  $("jobs-empty").textContent = "No jobs yet: create one.";
  if (!$("home").hidden && page.data.some((job) => RUNNING.has(job.status))) {
    listTimer = setTimeout(refreshList, LIST_REFRESH_MS);
  }
}

function jobTitle(job) {
  return (job.media && job.media.title) || job.url || (job.upload_id ? `upload ${job.upload_id}` : job.job_id);
}

function percentOf(job) {
  if (job.status === "completed") return 100;
  return (job.progress && job.progress.percent) || 0;
}

function statusText(job) {
  if (job.status === "processing" && job.progress) return `processing · ${job.progress.stage} ${Math.round(job.progress.percent)}%`;
  return job.status;
}

function jobRow(job) {
  const credits = job.credits_charged !== null && job.credits_charged !== undefined
    ? `${job.credits_charged}` : `${job.credits_estimated} est.`;
  return el("tr", { dataset: { jobId: job.job_id } },
    el("td", {}, el("a", { href: `#/jobs/${encodeURIComponent(job.job_id)}`, class: "job-link" },
      el("span", { class: "title", text: jobTitle(job) }), el("span", { class: "id", text: job.job_id }))),
    el("td", {}, el("span", { class: `status status-${job.status}`, text: statusText(job) }),
      el("progress", { max: 100, value: percentOf(job), "aria-label": `Progress of ${job.job_id}` })),
    el("td", { class: "caps", text: job.capabilities.join(", ") }),
    el("td", { text: credits }),
    el("td", { text: fmtDate(job.created_at) }));
}

// --- one job -------------------------------------------------------------------------------

let jobTimer = null;
let shownJobId = null;

async function showJob(jobId) {
  clearTimeout(jobTimer);
  const view = $("job-view");
  if (shownJobId !== jobId) {
    delete view.dataset.status;
    view.replaceChildren(el("p", { class: "muted", text: `Loading ${jobId}…` }));
    shownJobId = jobId;
  }
  let job;
  try {
    job = (await api(`/v1/jobs/${encodeURIComponent(jobId)}`)).data;
  } catch (error) {
    view.replaceChildren(backLink());
    showError(error);
    return;
  }
  if (shownJobId !== jobId || view.hidden) return; // the person went elsewhere meanwhile
  if (RUNNING.has(job.status)) {
    view.replaceChildren(...jobHeader(job));
    jobTimer = setTimeout(() => showJob(jobId), JOB_REFRESH_MS);
    return;
  }
  if (job.results) await completeLists(job);
  const deliveries = job.webhook_url ? await webhookDeliveries(job.job_id) : null;
  if (shownJobId !== jobId || view.hidden) return;
  view.replaceChildren(...jobHeader(job), ...jobBody(job, deliveries));
  view.dataset.status = job.status;
}

function backLink() {
  return el("a", { href: "#", class: "back" }, "← All jobs");
}

/** The job cuts each list-valued result to its first items: read the rest, page by page. */
async function completeLists(job) {
  for (const [capability, total] of Object.entries(job.result_totals || {})) {
    const result = job.results[capability];
    if (result === undefined) continue;
    const key = Array.isArray(result) ? null
      : Object.keys(result).find((k) => Array.isArray(result[k]) && result[k].length < total);
    const list = key === null ? result : key !== undefined ? result[key] : null;
    if (!Array.isArray(list) || list.length >= total) continue;
    for (let page = 0; list.length < total && page < MAX_PAGES; page += 1) {
      const path = `/v1/jobs/${encodeURIComponent(job.job_id)}/results/${encodeURIComponent(capability)}`;
      const got = (await api(`${path}?limit=${PAGE_LIMIT}&offset=${list.length}`)).data;
      const part = got.results[capability];
      const items = Array.isArray(part) ? part : part[key];
      if (!items || !items.length) break;
      list.push(...items);
      if (!got.has_more) break;
    }
  }
}

async function webhookDeliveries(jobId) {
  try {
    return (await api(`/v1/jobs/${encodeURIComponent(jobId)}/webhook_deliveries`)).data;
  } catch (error) {
    showError(error);
    return null;
  }
}

function jobHeader(job) {
  const url = safeUrl(job.url);
  const parts = [
    backLink(),
    el("h2", { class: "job-title", text: jobTitle(job) }),
    el("p", { class: "job-meta" },
      el("span", { class: `status status-${job.status}`, text: statusText(job) }), " · ",
      el("code", { text: job.job_id }), " · ", job.platform || "", " · ",
      url ? el("a", { href: url, rel: "noopener noreferrer", target: "_blank", text: job.url }) : String(job.url || "upload"),
      " · created ", fmtDate(job.created_at)),
  ];
  if (RUNNING.has(job.status)) {
    parts.push(el("progress", { class: "job-progress", max: 100, value: percentOf(job), "aria-label": "Job progress" }));
    if (job.progress) {
      parts.push(el("p", { class: "muted", text: `done: ${job.progress.stages_completed.join(", ") || "nothing yet"}; `
        + `to do: ${job.progress.stages_remaining.join(", ") || "nothing"}` }));
    }
  }
  if (job.error) {
    parts.push(el("div", { class: "job-error", role: "status" }, el("strong", { class: "code", text: job.error.code }), " ",
      el("span", { text: job.error.message })));
  }
  const metadata = Object.entries(job.metadata || {});
  if (metadata.length) {
    parts.push(el("dl", { class: "metadata" }, metadata.map(([k, v]) => [el("dt", { text: k }), el("dd", { text: v })])));
  }
  return parts;
}

function jobBody(job, deliveries) {
  const results = job.results || {};
  const duration = (job.media && job.media.duration_seconds)
    || (results.transcription && results.transcription.duration_seconds) || 0;
  const stage = new Stage(job, results, duration);
  const cards = [
    summaryCard(results.summary),
    chaptersCard(results.chapters, stage),
    brandsCard(results.brands, stage),
    onScreenTextCard(results.on_screen_text, stage),
    shortsCard(results.shorts, stage),
    previewCard(results.preview),
    commentsCard(results.comments),
    extractCard(results.extract, stage),
    languageCard(results.language),
    downloadCard(results.download),
    costCard(job),
    problemsCard(job),
    webhookCard(job, deliveries),
    otherResultsCard(results),
    el("details", { class: "card raw" }, el("summary", { text: "The job as JSON" }),
      el("pre", { tabindex: 0, text: JSON.stringify(job, null, 2) })),
  ];
  return [stage.node, el("div", { class: "cards" }, cards)];
}

const KNOWN = new Set(["transcription", "summary", "brands", "shots", "thumbnails", "on_screen_text", "chapters",
  "shorts", "download", "extract", "language", "preview", "comments"]);

function card(title, ...children) {
  return el("section", { class: "card", "aria-label": title }, el("h3", { text: title }), ...children);
}

function seekButton(stage, seconds, label) {
  // The name holds the visible time (WCAG 2.5.3: a speech user says what they see).
  return el("button", { type: "button", class: "seek",
    "aria-label": label ? `${label} from ${fmtTime(seconds)}` : `Play from ${fmtTime(seconds)}`,
    onclick: () => stage.seek(seconds) }, fmtTime(seconds));
}

// --- the player, its timeline and the transcript --------------------------------------------

class Stage {
  constructor(job, results, duration) {
    this.duration = duration;
    this.segments = (results.transcription && results.transcription.segments) || [];
    this.textItems = (results.on_screen_text && results.on_screen_text.items) || [];
    this.video = el("video", { controls: true, preload: "auto", playsinline: true, "aria-label": "Player",
      crossorigin: null });
    this.overlay = el("div", { class: "overlay", "aria-hidden": "true" });
    this.playhead = el("div", { class: "playhead", "aria-hidden": "true" });
    const source = playerSource(job, results);
    if (source) this.video.src = source;
    const player = el("div", { class: "player" }, this.video, this.overlay);
    const note = source ? null : el("p", { class: "muted", text: job.upload_id
      ? "Ask for the download capability to play an uploaded file here."
      : "This URL is a page, not a media file: ask for the download capability to play it here." });
    this.transcript = this.buildTranscript();
    this.node = el("div", { class: "stage" },
      el("div", { class: "player-column" }, player, note, this.buildTimeline(results)),
      el("aside", { class: "transcript-column", "aria-label": "Transcript" },
        el("h3", { text: "Transcript" }), this.transcript));
    for (const event of ["timeupdate", "seeked", "seeking"]) this.video.addEventListener(event, () => this.sync());
    this.video.addEventListener("loadedmetadata", () => {
      if (!this.duration) this.duration = this.video.duration;
      this.layoutOverlay();
      this.sync();
    });
    window.addEventListener("resize", () => this.layoutOverlay());
    this.currentLine = -1;
  }

  seek(seconds) {
    this.video.currentTime = Math.max(0, seconds);
    this.sync();
  }

  buildTimeline(results) {
    const lanes = [];
    const shots = shotStrip(results, this);
    if (shots) lanes.push(shots);
    const span = this.duration || 1;
    const place = (node, start, end) => {
      node.style.left = `${(100 * start) / span}%`;
      node.style.width = `${Math.max(0.6, (100 * ((end ?? start) - start)) / span)}%`;
      return node;
    };
    const chapters = (results.chapters && results.chapters.chapters) || [];
    if (chapters.length) {
      lanes.push(lane("Chapters", chapters.map((c, i) => place(el("button", {
        type: "button", class: `band chapter tone-${i % 2}`, "aria-label": `Chapter ${c.title}, at ${fmtTime(c.start)}`,
        onclick: () => this.seek(c.start),
      }, c.title), c.start, c.end))));
    }
    const marks = [];
    for (const brand of Array.isArray(results.brands) ? results.brands : []) {
      for (const proof of brand.proof || []) {
        const frame = safeUrl(proof.frame_url);
        marks.push(place(el("button", {
          type: "button", class: `mark source-${proof.source || "speech"}`,
          "aria-label": `${brand.name} at ${fmtTime(proof.start)} (${proof.source || "speech"})`,
          onclick: () => this.seek(proof.start),
        }, el("span", { class: "tip" }, el("strong", { text: brand.name }), el("span", { text: proof.text }),
          frame ? el("img", { src: frame, alt: `Frame where ${brand.name} is seen`, loading: "lazy" }) : null)),
        proof.start, proof.start));
      }
    }
    if (marks.length) lanes.push(lane("Brands", marks));
    if (this.textItems.length) {
      lanes.push(lane("On-screen text", this.textItems.map((item) => place(el("button", {
        type: "button", class: "band text-band", "aria-label": `Text “${item.text}” at ${fmtTime(item.start)}`,
        onclick: () => this.seek(item.start),
      }, item.text), item.start, item.end))));
    }
    const speakers = speakerIndex(this.segments);
    if (speakers.size) {
      lanes.push(lane("Speakers", this.segments.filter((s) => s.speaker).map((s) => place(el("span", {
        class: `band turn speaker-${speakers.get(s.speaker) % SPEAKER_COLOURS}`, title: s.speaker,
      }, s.speaker), s.start, s.end))));
    }
    if (!lanes.length) return null;
    const proportional = lanes.filter((l) => l.classList.contains("lane-row"));
    const ruler = el("div", { class: "lanes" }, proportional, this.playhead);
    return el("div", { class: "timeline", role: "group", "aria-label": "Timeline" },
      lanes.filter((l) => !l.classList.contains("lane-row")), proportional.length ? ruler : null);
  }

  buildTranscript() {
    const box = el("div", { class: "transcript", tabindex: 0 });
    if (!this.segments.length) {
      box.append(el("p", { class: "muted", text: "No transcript for this job." }));
      return box;
    }
    const speakers = speakerIndex(this.segments);
    this.lines = this.segments.map((segment, index) => {
      const words = wordsOf(segment).map((w) => el("span", { class: "word", dataset: { t: w.start } }, w.text));
      const spaced = words.flatMap((w, i) => (i ? [" ", w] : [w]));
      return el("p", { class: `line${segment.speaker ? ` speaker-${speakers.get(segment.speaker) % SPEAKER_COLOURS}` : ""}`,
        dataset: { index } },
        seekButton(this, segment.start, "Play the line"),
        segment.speaker ? el("span", { class: "speaker", text: segment.speaker }) : null,
        el("span", { class: "words" }, spaced));
    });
    box.append(...this.lines);
    // Words seek too (one listener; the line's time button is the keyboard's way in).
    box.addEventListener("click", (event) => {
      const word = event.target.closest(".word");
      if (word) this.seek(Number(word.dataset.t));
    });
    return box;
  }

  sync() {
    const t = this.video.currentTime;
    // The lanes start after their 8-rem labels; the playhead walks the rest.
    if (this.duration) this.playhead.style.left = `calc(8rem + (100% - 8rem) * ${Math.min(1, t / this.duration)})`;
    this.highlightLine(t);
    this.drawText(t);
  }

  highlightLine(t) {
    if (!this.lines) return;
    const index = this.segments.findIndex((s) => s.start <= t && t < s.end);
    if (index === this.currentLine) return;
    if (this.currentLine >= 0) {
      this.lines[this.currentLine].classList.remove("current");
      this.lines[this.currentLine].removeAttribute("aria-current");
    }
    this.currentLine = index;
    if (index < 0) return;
    const line = this.lines[index];
    line.classList.add("current");
    line.setAttribute("aria-current", "true");
    const box = this.transcript;
    const top = line.offsetTop - box.offsetTop;
    if (top < box.scrollTop || top + line.offsetHeight > box.scrollTop + box.clientHeight) {
      box.scrollTop = Math.max(0, top - box.clientHeight / 3);
    }
  }

  drawText(t) {
    const showing = this.textItems.filter((item) => item.start <= t && t < item.end && item.box);
    this.overlay.replaceChildren(...showing.map((item) => {
      const box = el("div", { class: "text-box" }, el("span", { class: "text-label", text: item.text }));
      box.style.left = `${100 * item.box.left}%`;
      box.style.top = `${100 * item.box.top}%`;
      box.style.width = `${100 * item.box.width}%`;
      box.style.height = `${100 * item.box.height}%`;
      return box;
    }));
  }

  /** The overlay covers the picture itself, not the letterbox around it. */
  layoutOverlay() {
    const { videoWidth: vw, videoHeight: vh, clientWidth: w, clientHeight: h } = this.video;
    if (!vw || !vh || !w || !h) return;
    const scale = Math.min(w / vw, h / vh);
    const width = vw * scale;
    const height = vh * scale;
    Object.assign(this.overlay.style, {
      left: `${(w - width) / 2}px`, top: `${(h - height) / 2}px`, width: `${width}px`, height: `${height}px`,
    });
  }
}

function playerSource(job, results) {
  const download = results.download && safeUrl(results.download.download_url);
  if (download) return download;
  return job.platform === "direct" ? safeUrl(job.url) : null;
}

function lane(label, children) {
  return el("div", { class: "lane-row", role: "group", "aria-label": label },
    el("span", { class: "lane-label", text: label }), el("div", { class: "lane" }, children));
}

function shotStrip(results, stage) {
  const shots = (results.shots && results.shots.shots) || [];
  const stills = new Map(((results.thumbnails && results.thumbnails.items) || []).map((t) => [t.shot_index, t]));
  const entries = shots.length ? shots.map((s) => ({ index: s.index, start: s.start, end: s.end,
    url: (stills.get(s.index) || {}).url || s.thumbnail_url }))
    : [...stills.values()].map((t) => ({ index: t.shot_index, start: t.time, end: null, url: t.url }));
  if (!entries.length) return null;
  return el("div", { class: "shots", role: "group", "aria-label": "Shots", tabindex: -1 },
    entries.map((shot) => el("button", {
      type: "button", class: "shot", "aria-label": `Shot ${shot.index + 1} at ${fmtTime(shot.start)}`,
      onclick: () => stage.seek(shot.start),
    }, safeUrl(shot.url) ? el("img", { src: shot.url, alt: "", loading: "eager", class: "shot-image" })
      : el("span", { class: "no-image", text: "no picture" }),
    el("span", { class: "shot-time", text: fmtTime(shot.start) }))));
}

function speakerIndex(segments) {
  const index = new Map();
  for (const s of segments) if (s.speaker && !index.has(s.speaker)) index.set(s.speaker, index.size);
  return index;
}

/** Each word with its time: the transcript's own when it has them, else spread over the line. */
function wordsOf(segment) {
  if (Array.isArray(segment.words) && segment.words.length) {
    return segment.words.map((w) => ({ text: String(w.word ?? w.text ?? "").trim(), start: w.start }));
  }
  const words = String(segment.text || "").split(/\s+/).filter(Boolean);
  const length = words.reduce((n, w) => n + w.length + 1, 0) || 1;
  const span = segment.end - segment.start;
  let at = 0;
  return words.map((w) => {
    const start = segment.start + (span * at) / length;
    at += w.length + 1;
    return { text: w, start };
  });
}

// --- the result cards ------------------------------------------------------------------------

function summaryCard(summary) {
  if (!summary) return null;
  return card("Summary", el("p", { text: summary.text }),
    summary.key_topics && summary.key_topics.length
      ? el("ul", { class: "chips", "aria-label": "Key topics" }, summary.key_topics.map((t) => el("li", { text: t })))
      : null);
}

function chaptersCard(chapters, stage) {
  const items = (chapters && chapters.chapters) || [];
  if (!items.length) return null;
  return card("Chapters", el("ol", { class: "list" }, items.map((c) => el("li", {},
    seekButton(stage, c.start, `Play chapter ${c.title}`), " ", el("strong", { text: c.title }),
    c.summary ? el("span", { class: "muted", text: ` ${c.summary}` }) : null))));
}

function brandsCard(brands, stage) {
  if (!Array.isArray(brands) || !brands.length) return null;
  return card("Brands", el("ul", { class: "list" }, brands.map((b) => el("li", {},
    el("strong", { text: b.name }), ` · ${b.mentions} mention${b.mentions === 1 ? "" : "s"} · confidence ${b.confidence}`,
    b.proof && b.proof.length ? el("ul", { class: "proof" }, b.proof.map((p) => el("li", {},
      seekButton(stage, p.start), ` ${p.source || "speech"}: `, el("q", { text: p.text }),
      safeUrl(p.frame_url) ? el("img", { src: p.frame_url, alt: `Frame where ${b.name} is seen`, class: "frame",
        loading: "lazy" }) : null))) : null))));
}

function onScreenTextCard(result, stage) {
  const items = (result && result.items) || [];
  if (!items.length) return null;
  return card("On-screen text", el("ul", { class: "list" }, items.map((item) => el("li", {},
    seekButton(stage, item.start), " ", el("q", { text: item.text }),
    el("span", { class: "muted", text: ` ${fmtTime(item.start)}–${fmtTime(item.end)} · ${item.confidence}` })))));
}

function shortsCard(shorts, stage) {
  if (!Array.isArray(shorts) || !shorts.length) return null;
  return card("Shorts", el("div", { class: "shorts" }, shorts.map((s) => el("article", { class: "short" },
    safeUrl(s.clip_url) ? el("video", { src: s.clip_url, controls: true, preload: "metadata",
      "aria-label": `Short ${s.title}` }) : null,
    el("h4", { text: s.title }),
    el("p", {}, seekButton(stage, s.start, `Play ${s.title} in the player`), ` to ${fmtTime(s.end)}`,
      typeof s.score === "number" ? ` · score ${s.score}` : ""),
    s.reason ? el("p", { class: "muted", text: s.reason }) : null))));
}

function previewCard(preview) {
  if (!preview) return null;
  const clip = safeUrl(preview.preview_url);
  const sheet = safeUrl(preview.storyboard_url);
  const track = safeUrl(preview.storyboard_vtt_url);
  return card("Preview",
    clip ? el("video", { src: clip, controls: true, preload: "metadata", "aria-label": "Preview clip" }) : null,
    el("p", { class: "muted", text: `${preview.duration_seconds} s from ${(preview.moments || []).length} moments · `
      + `storyboard of ${preview.storyboard_tiles} stills, one every ${preview.storyboard_interval_seconds} s` }),
    sheet ? el("img", { src: sheet, class: "storyboard", alt: "The storyboard's sprite sheet" }) : null,
    track ? el("p", {}, el("a", { href: track, text: "Storyboard track (WebVTT)" })) : null);
}

// A site's comments: untrusted text, shown as text (el's children), never as markup.
function commentsCard(comments) {
  const items = (comments && comments.items) || [];
  if (!items.length) return null;
  return card("Comments",
    el("p", { class: "muted", text: `${comments.total} comments${comments.note ? ` · ${comments.note}` : ""}` }),
    el("ul", { class: "list comments" }, items.map((c) => el("li", c.parent_id ? { class: "reply" } : {},
      el("strong", { text: c.author || "anonymous" }), typeof c.likes === "number" ? ` · ${c.likes} likes ` : " ",
      el("q", { text: c.text })))));
}

function extractCard(extract, stage) {
  if (!extract) return null;
  const evidence = extract.evidence || [];
  const segments = extract.segment_entities || [];
  return card("Entities",
    el("pre", { class: "entities", tabindex: 0, text: JSON.stringify(extract.entities ?? {}, null, 2) }),
    evidence.length ? el("h4", { text: "Evidence" }) : null,
    evidence.length ? el("ul", { class: "list" }, evidence.map((e) => el("li", {},
      seekButton(stage, e.start), " ", el("code", { text: e.path }), ` (${e.source}) `, el("q", { text: e.text })))) : null,
    segments.length ? el("h4", { text: "By segment" }) : null,
    segments.length ? el("ol", { class: "list" }, segments.map((s) => el("li", {},
      seekButton(stage, s.start), ` to ${fmtTime(s.end)} `,
      el("code", { text: JSON.stringify(s.entities) })))) : null,
    el("p", { class: "muted", text: `${extract.ungrounded_dropped || 0} value(s) without evidence dropped` }));
}

function languageCard(language) {
  if (!language) return null;
  return card("Language", el("p", {}, el("strong", { text: language.language }),
    typeof language.confidence === "number" ? ` · confidence ${language.confidence}` : ""),
  (language.candidates || []).length ? el("p", { class: "muted", text: language.candidates
    .map((c) => `${c.language} ${c.score}`).join(" · ") }) : null);
}

function downloadCard(download) {
  if (!download) return null;
  const url = safeUrl(download.download_url);
  return card("Download", el("p", {}, url ? el("a", { href: url, download: "", text: `Download ${download.format}` }) : "",
    ` · ${fmtBytes(download.size_bytes)} · link valid until ${fmtDate(download.expires_at)}`));
}

function costCard(job) {
  const breakdown = Object.entries(job.cost_breakdown || {});
  return card("Cost",
    breakdown.length ? el("table", { class: "cost" },
      el("thead", {}, el("tr", {}, el("th", { scope: "col", text: "Capability" }), el("th", { scope: "col", text: "Credits" }))),
      el("tbody", {}, breakdown.map(([name, credits]) => el("tr", {}, el("td", { text: name }), el("td", { text: credits })))))
      : null,
    el("p", {}, `Charged ${job.credits_charged ?? 0} of ${job.credits_estimated} estimated`,
      typeof job.processing_time_seconds === "number" ? ` · processed in ${job.processing_time_seconds.toFixed(1)} s` : ""));
}

function problemsCard(job) {
  const errors = job.capability_errors || [];
  const notes = job.notes || [];
  if (!errors.length && !notes.length) return null;
  return card("Notes",
    errors.length ? el("ul", { class: "list errors" }, errors.map((e) => el("li", {},
      el("strong", { text: e.capability }), " ", el("code", { class: "code", text: e.code }), " ",
      el("span", { text: e.message })))) : null,
    notes.length ? el("ul", { class: "list" }, notes.map((n) => el("li", {},
      el("strong", { text: n.capability }), " ", el("code", { text: n.code }), " ", el("span", { text: n.message })))) : null);
}

function webhookCard(job, deliveries) {
  if (!job.webhook_url) return null;
  const rows = (deliveries || []).map((d) => el("tr", {}, el("td", { text: d.attempt }), el("td", { text: d.trigger }),
    el("td", { text: d.status_code ?? d.error ?? "–" }), el("td", { text: d.outcome }),
    el("td", { text: `${d.duration_ms} ms` }), el("td", { text: fmtDate(d.attempted_at) })));
  return card("Webhook", el("p", {}, el("code", { text: job.webhook_url }),
    job.webhook ? ` · ${job.webhook.status}, ${job.webhook.attempts} attempt(s)` : ""),
  rows.length ? el("table", {}, el("thead", {}, el("tr", {}, ["Attempt", "Trigger", "Answer", "Outcome", "Took", "At"]
    .map((h) => el("th", { scope: "col", text: h })))), el("tbody", {}, rows)) : el("p", { class: "muted", text: "No attempt yet." }));
}

function otherResultsCard(results) {
  const other = Object.entries(results).filter(([name]) => !KNOWN.has(name));
  if (!other.length) return null;
  return card("Other results", other.map(([name, value]) => el("details", {}, el("summary", { text: name }),
    el("pre", { tabindex: 0, text: JSON.stringify(value, null, 2) }))));
}

// --- routing -----------------------------------------------------------------------------------

function route() {
  const match = /^#\/jobs\/([\w-]+)$/.exec(location.hash);
  clearTimeout(jobTimer);
  clearTimeout(listTimer);
  if (match && hasKey()) {
    $("home").hidden = true;
    $("job-view").hidden = false;
    showJob(decodeURIComponent(match[1]));
  } else {
    shownJobId = null;
    delete $("job-view").dataset.status;
    $("job-view").hidden = true;
    $("job-view").replaceChildren();
    $("home").hidden = false;
    refreshList();
  }
}

function start() {
  setupKey();
  setupCreateForm();
  setupList();
  loadCapabilities();
  window.addEventListener("hashchange", route);
  refreshAccount();
  route();
}

start();

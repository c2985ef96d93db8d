// Phase diagnosis calculator. Plain JavaScript, no dependency, no network.
// The constants come from the page (written by the site build from the Python code), so the
// numbers here are the ones `tracker` computes; the site's browser test checks that they agree.
"use strict";

(function () {
  var constants = JSON.parse(document.getElementById("phase-constants").textContent);

  function gpqaBoundary(swe) { return 100 * Math.sqrt(constants.iso_gpqa_swe * swe / 100); }
  function ifevalBoundary(gpqa) { return 100 * Math.sqrt(constants.iso_ifeval_gpqa * gpqa / 100); }

  function side(value, boundary, tolerance) {
    if (value - boundary < -tolerance) { return "below"; }
    return Math.abs(value - boundary) <= tolerance ? "at" : "above";
  }

  function olsHalfwidth(swe) {
    var c = constants;
    return c.t975 * c.s_ols * Math.sqrt(1 + 1 / c.n + Math.pow(swe - c.x_mean, 2) / c.sxx);
  }

  // The same quantities as tracker.site_data.phase_diagnosis, in the same order.
  function diagnose(swe, gpqa, ifeval) {
    var predicted = constants.slope * swe + constants.intercept;
    var h = gpqa - predicted;
    var half = constants.pi_halfwidth;
    var halfOls = olsHalfwidth(swe);
    var result = {
      predicted: predicted, h: h, pi_low: predicted - half, pi_high: predicted + half,
      inside_pi: Math.abs(h) <= half, pi_ols_half: halfOls, pi_ols_low: predicted - halfOls,
      pi_ols_high: predicted + halfOls, inside_pi_ols: Math.abs(h) <= halfOls,
      gpqa_c: gpqaBoundary(swe), gpqa_side: side(gpqa, gpqaBoundary(swe), constants.gpqa_tolerance),
      ifeval_c: null, ifeval_side: null
    };
    if (ifeval !== null) {
      result.ifeval_c = ifevalBoundary(gpqa);
      result.ifeval_side = side(ifeval, result.ifeval_c, constants.ifeval_tolerance);
    }
    return result;
  }

  function readScore(id) {
    var text = document.getElementById(id).value.trim();
    if (text === "") { return null; }
    var value = Number(text);
    return isFinite(value) && value >= 0 && value <= 100 ? value : NaN;
  }

  function put(id, text, data) {
    var node = document.getElementById(id);
    node.textContent = text;
    Object.keys(data || {}).forEach(function (key) { node.dataset[key] = String(data[key]); });
    return node;
  }

  function signed(x) { return (x >= 0 ? "+" : "") + x.toFixed(2); }

  function sideWords(which, value) {
    var words = { below: "below the boundary", at: "at the boundary", above: "above the boundary" };
    return words[value] + (which === "gpqa" && value === "below" ? " (coding-first phase)" : "");
  }

  function show(r) {
    put("out-predicted", r.predicted.toFixed(2), { value: r.predicted });
    put("out-h", signed(r.h), { value: r.h });
    put("out-pi-half", constants.pi_halfwidth.toFixed(2), { value: constants.pi_halfwidth });
    put("out-pi", r.pi_low.toFixed(2) + " to " + r.pi_high.toFixed(2), { low: r.pi_low, high: r.pi_high });
    put("out-inside", r.inside_pi ? "(inside)" : "(outside)", { value: r.inside_pi });
    put("out-pi-ols", r.pi_ols_low.toFixed(2) + " to " + r.pi_ols_high.toFixed(2) + " (±" + r.pi_ols_half.toFixed(2) + ")",
        { low: r.pi_ols_low, high: r.pi_ols_high, half: r.pi_ols_half });
    put("out-inside-ols", r.inside_pi_ols ? "(inside)" : "(outside)", { value: r.inside_pi_ols });
    put("out-gpqa-c", r.gpqa_c.toFixed(2), { value: r.gpqa_c });
    put("out-gpqa-side", sideWords("gpqa", r.gpqa_side), { value: r.gpqa_side }).className = "side-" + r.gpqa_side;
    if (r.ifeval_c === null) {
      put("out-ifeval-c", "enter an IFEval score", { value: "" });
      put("out-ifeval-side", "", { value: "" }).className = "";
    } else {
      put("out-ifeval-c", r.ifeval_c.toFixed(2), { value: r.ifeval_c });
      put("out-ifeval-side", sideWords("ifeval", r.ifeval_side), { value: r.ifeval_side }).className = "side-" + r.ifeval_side;
    }
  }

  function update() {
    var swe = readScore("swe"), gpqa = readScore("gpqa"), ifeval = readScore("ifeval");
    var message = document.getElementById("phase-message");
    var results = document.getElementById("phase-results");
    if (swe === null || gpqa === null || isNaN(swe) || isNaN(gpqa) || (ifeval !== null && isNaN(ifeval))) {
      message.textContent = "Enter SWE-bench Verified and GPQA Diamond scores between 0 and 100 (IFEval optional).";
      results.hidden = true;
      return;
    }
    show(diagnose(swe, gpqa, ifeval));
    message.textContent = "";
    results.hidden = false;
  }

  var form = document.getElementById("phase-form");
  form.addEventListener("input", update);
  form.addEventListener("submit", function (event) { event.preventDefault(); update(); });
  update();
}());

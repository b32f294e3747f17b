// The picket captain's page: sign people in and out by member id, typed or read from their badge's QR code
// (the browser's BarcodeDetector, where there is one). Every scan gets an id made here and waits in
// localStorage until the server has answered it: on a poor connection the queue is sent again later, and the
// server books a scan id once however often it arrives.
(function () {
  "use strict";
  var root = document.getElementById("captain");
  if (!root) return;
  var key = root.dataset.queueKey;
  var statusEl = document.getElementById("status");
  var queuedEl = document.getElementById("queued");
  var input = document.getElementById("member-id");
  var sending = false;

  function load() {
    try { return JSON.parse(localStorage.getItem(key) || "[]"); } catch (e) { return []; }
  }
  function save(queue) {
    localStorage.setItem(key, JSON.stringify(queue));
    queuedEl.textContent = queue.length ? queue.length + " scan(s) waiting to be sent" : "";
  }
  function newId() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return Date.now().toString(36) + "-" + Math.random().toString(36).slice(2, 12);
  }
  function say(text) { statusEl.textContent = text; }

  function showPeople(people) {
    var list = document.getElementById("people");
    list.textContent = "";
    people.forEach(function (p) {
      var li = document.createElement("li");
      li.dataset.member = p.member_id || "";
      li.textContent = (p.name || "(no name)") + " ";
      var span = document.createElement("span");
      span.className = "muted";
      span.textContent = (p.member_id || "supporter") + ", since " + p.since;
      li.appendChild(span);
      list.appendChild(li);
    });
    document.getElementById("count").textContent = String(people.length);
  }

  var WORDS = {
    signed_in: "signed in", signed_out: "signed out", already_in: "already on the line",
    not_in: "was not signed in", replayed: "already recorded"
  };

  function sendOne(scan) {
    var body = new URLSearchParams(scan);
    body.set("csrf_token", root.dataset.csrf);
    return fetch(root.dataset.scanUrl, { method: "POST", body: body, credentials: "same-origin" }).then(function (r) {
      return r.json().then(function (data) { return { status: r.status, data: data }; });
    });
  }

  function flush() {
    if (sending) return Promise.resolve();
    var queue = load();
    if (!queue.length) return Promise.resolve();
    sending = true;
    var scan = queue[0];
    return sendOne(scan).then(function (answer) {
      // Answered (booked, or refused for good): off the queue. Only a lost connection keeps it there.
      save(load().filter(function (s) { return s.scan_id !== scan.scan_id; }));
      if (answer.status === 200) {
        say(answer.data.name + " (" + answer.data.member_id + "): " + (WORDS[answer.data.outcome] || answer.data.outcome));
        showPeople(answer.data.people);
      } else {
        say("Member " + scan.member_id + ": " + ((answer.data.error && answer.data.error.message) || "refused"));
      }
      sending = false;
      return flush();
    }, function () {
      sending = false;
      say("Offline: the scan is kept and will be sent when the connection is back.");
    });
  }

  function record(memberId, action) {
    memberId = memberId.trim();
    if (!memberId) return;
    var queue = load();
    queue.push({ scan_id: newId(), member_id: memberId, action: action, at: new Date().toISOString() });
    save(queue);
    flush();
  }

  var lastAction = "in";
  document.getElementById("sign-in").addEventListener("click", function () { lastAction = "in"; });
  document.getElementById("sign-out").addEventListener("click", function () { lastAction = "out"; });
  document.getElementById("scan-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var action = (event.submitter && event.submitter.value) || lastAction;
    record(input.value, action);
    input.value = "";
    input.focus();
  });

  if ("BarcodeDetector" in window && navigator.mediaDevices) {
    var button = document.getElementById("scan-badge");
    var video = document.getElementById("camera");
    button.hidden = false;
    button.addEventListener("click", function () {
      var detector = new window.BarcodeDetector({ formats: ["qr_code"] });
      navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } }).then(function (stream) {
        video.srcObject = stream;
        video.hidden = false;
        return video.play().then(function () {
          var seen = {};
          function tick() {
            detector.detect(video).then(function (codes) {
              codes.forEach(function (code) {
                var value = code.rawValue;
                if (value && !seen[value]) { seen[value] = true; record(value, lastAction); setTimeout(function () { delete seen[value]; }, 5000); }
              });
              if (!video.hidden) requestAnimationFrame(tick);
            }, function () { if (!video.hidden) setTimeout(tick, 500); });
          }
          tick();
        });
      }, function () { say("No camera: type the member id."); });
    });
  }

  window.addEventListener("online", flush);
  setInterval(flush, 15000);
  save(load());
  flush();
})();

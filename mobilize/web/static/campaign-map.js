// A map of events from the page's own data (#campaign-markers): the campaign page's, and the coalition turnout
// page's, whose markers carry a staffing `light` that colours them (the list beside the map says the same in
// words). The list works without this script and without tiles.
(function () {
  var box = document.getElementById("campaign-map");
  var data = document.getElementById("campaign-markers");
  if (!box || !data || typeof L === "undefined") { if (box) box.hidden = true; return; }
  var colours = { green: "#1a7f37", amber: "#b26b00", red: "#c4161c", over: "#5c5c5c" };
  var markers = JSON.parse(data.textContent).filter(function (m) { return m.lat !== null && m.lon !== null; });
  var map = L.map(box, { scrollWheelZoom: false });
  var tiles = { maxZoom: 18, attribution: box.dataset.attribution };
  if (box.dataset.referrer) { tiles.referrerPolicy = box.dataset.referrer; }
  L.tileLayer(box.dataset.tiles, tiles).addTo(map);
  var points = [];
  var drawn = [];
  markers.forEach(function (m) {
    var style = { radius: 7, weight: 2 };
    if (m.light && colours[m.light]) {
      style.color = colours[m.light];
      style.fillColor = colours[m.light];
      style.fillOpacity = 0.7;
    }
    var marker = L.circleMarker([m.lat, m.lon], style).addTo(map);
    var card = document.createElement("div");
    var title = m.url ? document.createElement("a") : document.createElement("strong");
    if (m.url) { title.href = m.url; }
    title.textContent = m.title;
    card.appendChild(title);
    card.appendChild(document.createElement("br"));
    card.appendChild(document.createTextNode(m.when + " · " + m.host));
    if (m.label) {
      card.appendChild(document.createElement("br"));
      card.appendChild(document.createTextNode(m.label));
    }
    marker.bindPopup(card);
    drawn.push([marker, m]);
    points.push([m.lat, m.lon]);
  });
  if (points.length) { map.fitBounds(points, { padding: [24, 24], maxZoom: 13 }); }
  else { map.setView([39.8, -98.6], 4); }
  drawn.forEach(function (pair) {  // the paths exist once the map has a view
    var element = pair[0].getElement && pair[0].getElement();
    if (!element) { return; }
    element.setAttribute("data-event", pair[1].id);
    if (pair[1].light) { element.setAttribute("data-light", pair[1].light); }
  });
  box.dataset.markers = String(points.length);
})();

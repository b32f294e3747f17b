// The campaign page's map: markers from the page's own data (#campaign-markers); the list beside it works
// without this script and without tiles.
(function () {
  var box = document.getElementById("campaign-map");
  var data = document.getElementById("campaign-markers");
  if (!box || !data || typeof L === "undefined") { if (box) box.hidden = true; return; }
  var markers = JSON.parse(data.textContent).filter(function (m) { return m.lat !== null && m.lon !== null; });
  var map = L.map(box, { scrollWheelZoom: false });
  L.tileLayer(box.dataset.tiles, { maxZoom: 18, attribution: box.dataset.attribution }).addTo(map);
  var points = [];
  markers.forEach(function (m) {
    var marker = L.circleMarker([m.lat, m.lon], { radius: 7, weight: 2 }).addTo(map);
    var link = document.createElement("a");
    link.href = m.url;
    link.textContent = m.title;
    var card = document.createElement("div");
    card.appendChild(link);
    card.appendChild(document.createElement("br"));
    card.appendChild(document.createTextNode(m.when + " · " + m.host));
    marker.bindPopup(card);
    marker.getElement && marker.getElement() && marker.getElement().setAttribute("data-event", m.id);
    points.push([m.lat, m.lon]);
  });
  if (points.length) { map.fitBounds(points, { padding: [24, 24], maxZoom: 13 }); }
  else { map.setView([39.8, -98.6], 4); }
  box.dataset.markers = String(points.length);
})();

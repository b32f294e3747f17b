// The dashboard's menu: folded behind "Menu" on a phone, always open on a wider screen. Without JavaScript
// it stays a working <details> menu at every width.
(function () {
  var wide = window.matchMedia("(min-width: 60rem)");
  var menus = document.querySelectorAll("details.nav-menu");
  function sync() { menus.forEach(function (menu) { menu.open = wide.matches; }); }
  sync();
  wide.addEventListener("change", sync);
})();

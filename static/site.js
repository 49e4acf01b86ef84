/* newsarchive: small page helpers without which every page still works.
   Escape closes the header search's result list (static/search.js draws it);
   typing in the box opens it again. */
(function () {
  'use strict';
  var head = document.querySelector('.masthead');
  if (!head) return;
  function close() { head.setAttribute('data-dropdown', 'closed'); }
  function open() { head.removeAttribute('data-dropdown'); }
  head.addEventListener('keydown', function (e) {
    if (e.key !== 'Escape' || !head.querySelector('.search-dropdown')) return;
    if (head.getAttribute('data-dropdown') === 'closed') return;
    close();
    var box = head.querySelector('.site-search input[name=q]');
    if (box && document.activeElement !== box) box.focus();
  });
  head.addEventListener('input', open);
  head.addEventListener('focusin', function (e) { if (e.target.name === 'q' && e.target.value) open(); });
  document.addEventListener('click', function (e) { if (!head.contains(e.target)) close(); });
})();

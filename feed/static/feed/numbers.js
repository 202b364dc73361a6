/* A city's numbers (chart, top contributors and hashtags), reloaded while the page is open.
 *
 * The server draws them; when photos arrive (city.js announces each), the section is asked
 * for again, at most every REFRESH_EVERY milliseconds, and swapped in whole.
 */
(function () {
  var REFRESH_EVERY = 15000;
  var pending = null;
  var last = 0;

  function reload() {
    pending = null;
    last = Date.now();
    var section = document.getElementById("numbers");
    if (!section) {
      return;
    }
    fetch(section.dataset.url, { credentials: "same-origin" })
      .then(function (response) {
        return response.ok ? response.text() : Promise.reject(response.status);
      })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("numbers");
        if (fresh) {
          section.replaceWith(document.adoptNode(fresh));
        }
      })
      .catch(function () {}); // the numbers wait for the next photo
  }

  document.addEventListener("wazstagram:photo", function () {
    if (pending === null) {
      pending = window.setTimeout(reload, Math.max(0, last + REFRESH_EVERY - Date.now()));
    }
  });
})();

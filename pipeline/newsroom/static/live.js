// Live page: new events arrive as server-sent events, each an HTML fragment the server
// rendered (and escaped); they are added at the top of the list.
(function () {
  var list = document.getElementById("events");
  var status = document.getElementById("live-status");
  if (!list || !window.EventSource) { return; }
  var source = new EventSource("/live/stream?after=" + encodeURIComponent(list.dataset.after));
  source.addEventListener("article", function (message) {
    var empty = document.getElementById("no-events");
    if (empty) { empty.remove(); }
    var box = document.createElement("div");
    box.innerHTML = message.data;
    var node = box.firstElementChild;
    if (!node || document.getElementById(node.id)) { return; }
    node.classList.add("new");
    list.insertBefore(node, list.firstChild);
  });
  source.addEventListener("count", function (message) {
    status.textContent = message.data + " events stored";
  });
})();

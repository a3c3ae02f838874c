// The link to the same page in the other edition of the book. The English
// edition is built into book/book and the Korean one into book/book/ko, with
// the same page paths, so the other page is one folder down or up from the
// book's root. Works from file:// as well as from a web server.
// (book/lang-switch.js and book/ko/lang-switch.js are the same file.)
(function () {
  "use strict";
  var korean = document.documentElement.lang === "ko";
  var root = typeof path_to_root === "string" ? path_to_root : "";
  var depth = (root.match(/\.\.\//g) || []).length;
  var parts = window.location.pathname.split("/");
  var page = parts.slice(parts.length - 1 - depth).join("/");
  if (page === "" || page.charAt(page.length - 1) === "/") {
    page += "index.html";
  }
  var link = document.createElement("a");
  link.href = root + (korean ? "../" : "ko/") + page;
  link.textContent = korean ? "English" : "한국어";
  link.title = korean ? "Read this page in English" : "이 페이지를 한국어로 읽기";
  link.setAttribute("aria-label", link.title);
  link.setAttribute("lang", korean ? "en" : "ko");
  link.className = "lang-switch";
  link.style.cssText =
    "font-size: 1.4rem; line-height: var(--menu-bar-height); padding: 0 0.5em; " +
    "text-decoration: none; color: var(--icons);";
  var buttons = document.querySelector("#menu-bar .right-buttons");
  if (buttons) {
    buttons.insertBefore(link, buttons.firstChild);
  }
})();

"use strict";
// The periodic task form of django-celery-beat (the admin): the crontab's help says in
// words when the chosen schedule runs. django-celery-beat ships this as an inline script,
// which the store's Content-Security-Policy does not run; this is it as a file.
(function () {
  var $ = django.jQuery;
  $(function () {
    var data = document.getElementById("readable-crontabs");
    var help = $(".field-crontab .help");
    if (!data || !help.length) {
      return;
    }
    var readable = JSON.parse(data.textContent);
    var original = help.html();
    $(".field-crontab_translation").hide();
    $(".field-crontab").on("change", function () {
      var words = readable[$("#id_crontab").val()];
      help.html(original);
      if (words) {
        help.append(document.createElement("br"), document.createTextNode(words));
      }
    });
  });
})();

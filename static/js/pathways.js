// Progressive enhancement only: every form here also works without JavaScript.
document.documentElement.classList.add("js");
document.addEventListener("DOMContentLoaded", () => {
  const languageSelect = document.getElementById("language-select");
  if (languageSelect) {
    languageSelect.addEventListener("change", () => languageSelect.form.requestSubmit());
  }
});

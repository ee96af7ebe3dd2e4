// Stripe mode's card form (funding.html): Stripe.js mounts its card field
// (a frame of js.stripe.com: the card number never reaches this page's
// script or Nestegg), makes a PaymentMethod of it on submit, and the form
// posts only the PaymentMethod's id.
(function () {
  var form = document.getElementById("stripe-card-form");
  if (!form || typeof Stripe === "undefined") return;
  var stripe = Stripe(form.dataset.key);
  var card = stripe.elements().create("card", { hidePostalCode: true });
  card.mount("#stripe-card");
  var errBox = document.getElementById("stripe-card-error");
  var busy = false;
  form.addEventListener("submit", function (ev) {
    if (form.elements.token.value) return;
    ev.preventDefault();
    if (busy) return;
    busy = true;
    stripe.createPaymentMethod({ type: "card", card: card }).then(function (res) {
      busy = false;
      if (res.error) {
        errBox.textContent = res.error.message;
        errBox.hidden = false;
        return;
      }
      form.elements.token.value = res.paymentMethod.id;
      form.submit();
    });
  });
})();

// Live totals of the buyer's order form: the same figures as the server (nrhub.campaigns
// pricing and consolidation.amounts). Integer cents; the pooled price is the tier reached
// by the other buyers' units plus this one's, never beyond the committed units; each
// line's VAT is rounded half up to the cent, and totals add the rounded lines.
(function () {
  "use strict";
  var totals = document.getElementById("totaux-commande");
  if (!totals) { return; }

  function cents(text) {
    var parts = String(text).split(".");
    var fraction = ((parts[1] || "") + "00").slice(0, 2);
    return parseInt(parts[0], 10) * 100 + parseInt(fraction, 10);
  }

  // Amounts are written like the server's sample (e.g. "1 234,50 €" or "€1,234.50").
  function moneyFormat(sample) {
    var match = sample.match(/1(\D?)234(\D)50/);
    if (!match) { return function (value) { return (value / 100).toFixed(2); }; }
    var pieces = sample.split(match[0]);
    return function (value) {
      var sign = value < 0 ? "-" : "";
      var absolute = Math.abs(value);
      var units = Math.floor(absolute / 100).toString().replace(/\B(?=(\d{3})+(?!\d))/g, match[1]);
      var rest = String(absolute % 100);
      if (rest.length < 2) { rest = "0" + rest; }
      return sign + pieces[0] + units + match[2] + rest + pieces[1];
    };
  }
  var money = moneyFormat(totals.getAttribute("data-money-sample") || "");

  function pooledPrice(row, units) {
    var price = cents(row.getAttribute("data-base"));
    var tiers = (row.getAttribute("data-tiers") || "").split(" ");
    tiers.forEach(function (tier) {
      if (!tier) { return; }
      var pair = tier.split(":");
      var minimum = parseInt(pair[0], 10);
      var tierPrice = cents(pair[1]);
      if (units >= minimum && tierPrice < price) { price = tierPrice; }
    });
    return price;
  }

  function quantity(input) {
    var text = input.value.trim();
    if (!/^\d+$/.test(text)) { return 0; }
    return parseInt(text, 10);
  }

  function vatOf(ht, rate) {
    // rate in hundredths of a percent ("20.00" -> 2000): HT x rate / 10 000, half up.
    return Math.floor((ht * rate + 5000) / 10000);
  }

  function refresh() {
    var sum = { ht: 0, vat: 0 };
    document.querySelectorAll("tr[data-offer]").forEach(function (row) {
      var input = row.querySelector("input[name^='qty_']");
      if (!input) { return; }
      var mine = quantity(input);
      var others = parseInt(row.getAttribute("data-others"), 10);
      var committed = parseInt(row.getAttribute("data-committed"), 10);
      var price = pooledPrice(row, Math.min(others + mine, committed));
      var ht = mine * price;
      sum.ht += ht;
      sum.vat += vatOf(ht, cents(row.getAttribute("data-vat")));
      row.querySelector("[data-cell='price']").textContent = money(price);
      row.querySelector("[data-cell='ordered']").textContent = String(others + mine);
      row.querySelector("[data-cell='line']").textContent = mine ? money(ht) : "—";
    });
    totals.querySelector("[data-total='ht']").textContent = money(sum.ht);
    totals.querySelector("[data-total='vat']").textContent = money(sum.vat);
    totals.querySelector("[data-total='ttc']").textContent = money(sum.ht + sum.vat);
  }

  document.querySelectorAll("tr[data-offer] input[name^='qty_']").forEach(function (input) {
    input.addEventListener("input", refresh);
  });
})();

/** @odoo-module */

import { registry } from "@web/core/registry";

// ITscope's Share tile in the browser: a purchaser opens /itscope/share?id=<id> of a product. The test
// (tests/test_share_tour.py) tells the tour what it must see through sessionStorage, which lasts across the pages of
// the round trip (login page, confirmation page, Odoo's web client): {name, price, distributor, login}.
const EXPECTED = "itscope_share_tour";

function expected() {
    return JSON.parse(sessionStorage.getItem(EXPECTED) || "{}");
}

function assertIncludes(anchor, text, what) {
    const shown = anchor.textContent.replace(/\s+/g, " ").trim();
    if (!text || !shown.includes(text)) {
        throw new Error(`${what}: expected "${text}", the page shows "${shown}"`);
    }
}

// Odoo's web client shows the product ITscope shared (its name in the form's title).
function productFormSteps() {
    return [
        {
            content: "Odoo's product form opens, on the shared product",
            trigger: ".o_form_view .o_field_widget[name=name]",
            run() {
                // A purchaser may not edit products: the name is text, else (product managers) a textarea.
                const field = this.anchor.querySelector("textarea");
                const shown = field ? field.value : this.anchor.textContent.trim();
                if (shown !== expected().name) {
                    throw new Error(`product form: expected "${expected().name}", shows "${shown}"`);
                }
            },
        },
    ];
}

// The confirmation page: the product and its best offer; "Import and open" posts the form (with its CSRF token),
// and Odoo opens the imported product with the offers as vendor price lines.
function confirmAndImportSteps() {
    return [
        {
            content: "The confirmation page names the shared product",
            trigger: ".o_itscope_share h5",
            run() {
                assertIncludes(this.anchor, expected().name, "product name");
            },
        },
        {
            content: "It shows ITscope's best offer: price and distributor",
            trigger: ".o_itscope_share p:contains(Best offer)",
            run() {
                assertIncludes(this.anchor, expected().price, "best price");
                assertIncludes(this.anchor, expected().distributor, "best distributor");
            },
        },
        {
            content: "It says the product is not in Odoo yet",
            trigger: ".o_itscope_share p:contains(not in Odoo yet for your company)",
        },
        {
            content: "Import the product and open it",
            trigger: ".o_itscope_share form[action='/itscope/share/import'] button[type=submit]:contains(Import and open)",
            run: "click",
        },
        ...productFormSteps(),
        {
            content: "Its ITscope offers are there",
            trigger: ".o_notebook_headers a[name=itscope_offers]",
            run: "click",
        },
        {
            content: "The cheapest vendor price line is the best offer the confirmation page showed",
            trigger: ".o_field_widget[name=itscope_offer_ids] .o_data_row:first td[name=partner_id]",
            run() {
                assertIncludes(this.anchor, expected().distributor, "cheapest vendor line");
            },
        },
    ];
}

registry.category("web_tour.tours").add("itscope_share_import_tour", {
    steps: () => confirmAndImportSteps(),
});

// A product the company already has: the share URL goes straight to its form, no confirmation page.
registry.category("web_tour.tours").add("itscope_share_open_tour", {
    steps: () => productFormSteps(),
});

// Logged out: Odoo's login page first, then back to the confirmation page of the same product.
registry.category("web_tour.tours").add("itscope_share_login_tour", {
    steps: () => [
        {
            content: "Odoo asks to log in",
            trigger: ".oe_login_form input[name=login]",
            run: `edit ${expected().login}`,
        },
        {
            content: "Enter the password",
            trigger: ".oe_login_form input[name=password]",
            run: `edit ${expected().login}`,
        },
        {
            content: "Log in",
            trigger: ".oe_login_form button[type=submit]",
            run: "click",
        },
        ...confirmAndImportSteps(),
    ],
});

/** @odoo-module */

import { registry } from "@web/core/registry";

// A purchaser's whole day on the ITscope sandbox, in German (issue 15 "What it must show"), driven part by part from
// tests/test_purchaser_day_tour.py, which moves the sandbox's clock and runs the scheduled actions in between.
// Every click on visible text goes by its German label, so an untranslated label stops the tour.

const tours = registry.category("web_tour.tours");

// A click without the pointer resting on the button, whose help tooltip would otherwise cover the next picture.
function clickOnly() {
    this.anchor.click();
}

// A picture of the page as it is now: the test takes it over the DevTools protocol when ITSCOPE_SCREENSHOTS names a
// folder (always answering, so the tour goes on either way), and the next step waits for its answer.
function screenshot(name) {
    return [
        {
            content: `Screenshot ${name}`,
            trigger: "body",
            run() {
                // Let transitions (dialogs, notifications) settle before the picture.
                setTimeout(() => console.log(`itscope-screenshot:${name}`), 500);
            },
        },
        {
            content: `Screenshot ${name} taken`,
            trigger: `body[data-itscope-shot='${name}']`,
        },
    ];
}

const ACER = "Acer Smart A232";
const BAG = "Lenovo Ultra C557";
const PARTNER_TEST = "ITscope Partner-Test";
const SIEWERT = "Siewert";
// The list of the current action, not one in a dialog (the Best source proposal has distributors too).
const MAIN_LIST = ".o_action_manager .o_list_view";

function tick(product) {
    const row = `.modal .o_data_row:has(td[name=name]:contains(${product}))`;
    return [
        {
            content: `Tick ${product}`,
            trigger: `${row} td[name=selected]`,
            run: "click",
        },
        {
            // The click on the cell opens the row for editing, and may already have ticked the box.
            trigger: `${row} td[name=selected] input:enabled`,
            async run(actions) {
                if (!this.anchor.checked) {
                    await actions.click();
                }
            },
        },
        {
            content: `${product} is ticked`,
            trigger: `${row} td[name=selected] input:checked`,
        },
    ];
}

function addLine(product) {
    return [
        {
            content: `Add a line for ${product}`,
            trigger: ".o_field_widget[name=order_line] a:contains(Produkt hinzufügen)",
            run: "click",
        },
        {
            trigger: ".o_field_widget[name=order_line] .o_selected_row .o_field_widget[name=product_id] input",
            run: "click",
        },
        {
            trigger: ".o_field_widget[name=order_line] .o_selected_row .o_field_widget[name=product_id] input",
            run: `edit ${product}`,
        },
        {
            trigger: `.o_field_widget[name=product_id] .o-autocomplete--dropdown-item:contains(${product})`,
            run: "click",
        },
        {
            content: "The line has its product",
            trigger: `.o_field_widget[name=order_line] .o_selected_row .o_field_widget[name=product_id]:contains(${product}), .o_field_widget[name=order_line] .o_selected_row .o_field_widget[name=product_id] input:value(${product})`,
        },
        {
            content: "Two of them",
            trigger: ".o_field_widget[name=order_line] .o_selected_row .o_field_widget[name=product_qty] input",
            run: "edit 2",
        },
    ];
}

function confirmOrder(vendor) {
    return [
        {
            content: `Open the RFQ for ${vendor}`,
            trigger: `${MAIN_LIST} .o_data_row td[name=partner_id]:contains(${vendor})`,
            run: "click",
        },
        {
            content: "Confirm it: it goes to ITscope",
            trigger: ".o_form_view button[name=button_confirm]:contains(Auftrag bestätigen)",
            run: "click",
        },
        {
            content: "It is a purchase order now",
            trigger: ".o_form_view .o_statusbar_status button:not(.d-none):contains(Bestellung)",
        },
        {
            content: "Back to the RFQs of the split",
            trigger: ".o_breadcrumb a:contains(Angebotsanfragen nach Distributor)",
            run: "click",
        },
    ];
}

// Morning: find notebooks at ITscope and import two of them.
tours.add("itscope_day_1_add_from_itscope", {
    steps: () => [
        {
            content: "Einkauf > ITscope",
            trigger: ".o_menu_sections [data-menu-xmlid='itscope_connector.menu_itscope_root']",
            run: "click",
        },
        {
            content: "Aus ITscope hinzufügen",
            trigger: ".dropdown-item:contains(Aus ITscope hinzufügen)",
            run: "click",
        },
        {
            content: "Search for notebooks",
            trigger: ".modal div[name=query] input",
            run: "edit Notebook",
        },
        {
            trigger: ".modal button[name=action_search]:contains(Suchen)",
            run: "click",
        },
        {
            content: "Offers of every distributor, with the German availability",
            trigger: `.modal .o_data_row:has(td[name=name]:contains(${ACER})) .o_itscope_offer .badge:contains(Auf Lager)`,
        },
        ...tick(ACER),
        ...tick(BAG),
        ...screenshot("1-aus-itscope-hinzufuegen"),
        {
            content: "Import the two",
            trigger: ".modal button[name=action_import]:contains(Ausgewählte importieren)",
            run: "click",
        },
        {
            content: "Both are in Odoo",
            trigger: `.o_breadcrumb:contains(Aus ITscope importiert)`,
        },
        {
            trigger: `${MAIN_LIST} .o_data_row:contains(${ACER})`,
        },
        {
            trigger: `${MAIN_LIST} .o_data_row:contains(${BAG})`,
        },
    ],
});

// An RFQ to one distributor, checked with ITscope, then split to the best source of each line.
tours.add("itscope_day_2_rfq_best_source", {
    steps: () => [
        {
            content: "A new RFQ",
            trigger: ".o_list_button_add:contains(Neu)",
            run: "click",
        },
        {
            trigger: ".o_field_widget[name=partner_id] input",
            run: `edit ${PARTNER_TEST}`,
        },
        {
            trigger: `.o-autocomplete--dropdown-item:contains(${PARTNER_TEST})`,
            run: "click",
        },
        ...addLine(ACER),
        ...addLine(BAG),
        {
            content: "Save the RFQ",
            trigger: ".o_form_button_save",
            run: clickOnly,
        },
        {
            trigger: ".o_form_view .o_form_saved",
        },
        {
            content: "Ask ITscope for today's prices and stock",
            trigger: ".o_form_view button[name=action_itscope_check_now]:contains(Jetzt prüfen)",
            run: clickOnly,
        },
        {
            content: "ITscope answered, in German",
            trigger: ".o_notification:contains(Bei ITscope geprüft)",
        },
        ...screenshot("2-angebotsanfrage-jetzt-pruefen"),
        {
            content: "Read, closed (unless it closed itself already)",
            trigger: "body",
            run() {
                document.querySelector(".o_notification .o_notification_close")?.click();
            },
        },
        {
            content: "Which distributor is best for each line?",
            trigger: ".o_form_view button[name=action_itscope_best_source]:contains(Beste Bezugsquelle)",
            run: clickOnly,
        },
        {
            content: "The notebook is cheaper at Siewert & Kau",
            trigger: `.modal .o_data_row:has(td[name=product_id]:contains(${ACER})) td[name=partner_id]:contains(${SIEWERT})`,
        },
        {
            content: "The bag stays at the Partner-Test",
            trigger: `.modal .o_data_row:has(td[name=product_id]:contains(${BAG})) td[name=partner_id]:contains(${PARTNER_TEST})`,
        },
        ...screenshot("3-beste-bezugsquelle"),
        {
            content: "Apply and split",
            trigger: ".modal button[name=action_apply]:contains(Anwenden und aufteilen)",
            run: "click",
        },
        {
            content: "The proposal is applied",
            trigger: "body:not(:has(.modal)) .o_breadcrumb:contains(Angebotsanfragen nach Distributor)",
        },
        {
            content: "One RFQ per distributor",
            trigger: `${MAIN_LIST} .o_data_row td[name=partner_id]:contains(${SIEWERT})`,
        },
        {
            trigger: `${MAIN_LIST} .o_data_row td[name=partner_id]:contains(${PARTNER_TEST})`,
        },
        ...confirmOrder(SIEWERT),
        ...confirmOrder(PARTNER_TEST),
        {
            content: "Both are orders",
            trigger: `${MAIN_LIST}:not(:has(.o_data_row td[name=state]:contains(Angebotsanfrage)))`,
        },
    ],
});

// Minutes later: ITscope's status on the orders, and the distributor's order response on the line.
tours.add("itscope_day_3_status_and_response", {
    steps: () => [
        {
            content: "The orders list shows the ITscope status",
            trigger: `.o_data_row:has(td[name=partner_id]:contains(${SIEWERT})) td[name=itscope_status]:contains(Auftrag bestätigt)`,
        },
        {
            trigger: `.o_data_row:has(td[name=partner_id]:contains(${PARTNER_TEST})) td[name=itscope_status]:contains(Auftrag bestätigt)`,
        },
        ...screenshot("4-bestellungen-itscope-status"),
        {
            content: "Open the notebook order",
            trigger: `.o_data_row td[name=partner_id]:contains(${SIEWERT})`,
            run: "click",
        },
        {
            content: "The line shows the confirmed quantity and date",
            trigger: `.o_field_widget[name=order_line] .o_data_row:has(td[name=product_id]:contains(${ACER})) td[name=itscope_confirmed_qty]:contains(2)`,
        },
        {
            trigger: `.o_field_widget[name=order_line] .o_data_row:has(td[name=product_id]:contains(${ACER})) td[name=itscope_confirmed_date]:not(:empty)`,
        },
        {
            content: "and the chatter says so in German",
            trigger: ".o-mail-Message:contains(Auftragsbestätigung des Distributors)",
        },
        ...screenshot("5-bestaetigte-menge-und-termin"),
    ],
});

// The dispatch note arrived: tracking and serial numbers on the receipt, which is then validated.
tours.add("itscope_day_4_receipt", {
    steps: () => [
        {
            content: "The order shows where the shipment is",
            trigger: ".o_form_view div[name=itscope_tracking_url] a:contains(Sendung verfolgen)",
        },
        {
            content: "Open the receipt",
            trigger: ".o_form_view .oe_stat_button:contains(Wareneingang)",
            run: "click",
        },
        {
            content: "Tracking number on the receipt",
            trigger: ".o_form_view div[name=itscope_tracking_ref]:not(:empty)",
        },
        {
            content: "Show the serial numbers column",
            trigger: ".o_field_widget[name=move_ids_without_package] .o_optional_columns_dropdown_toggle",
            run: "click",
        },
        {
            trigger: ".o-dropdown--menu input[name=lot_ids]",
            run: "click",
        },
        {
            content: "The distributor's serial numbers, one per notebook",
            trigger: `.o_field_widget[name=move_ids_without_package] .o_data_row:has(td[name=product_id]:contains(${ACER})) td[name=lot_ids] .badge + .badge`,
        },
        {
            content: "Close the menu",
            trigger: ".o_form_view .o_form_sheet .oe_title",
            run: "click",
        },
        ...screenshot("6-wareneingang-sendung-seriennummern"),
        {
            content: "Validate the receipt",
            trigger: ".o_form_view button[name=button_validate]:contains(Validieren)",
            run: "click",
        },
        {
            trigger: ".o_form_view .o_statusbar_status button:not(.d-none):contains(Erledigt)",
        },
    ],
});

// The invoice arrived: a draft vendor bill with its total.
tours.add("itscope_day_5_bill", {
    steps: () => [
        {
            content: "Open the vendor bill",
            trigger: ".o_form_view .oe_stat_button:contains(Lieferantenrechnungen)",
            run: "click",
        },
        {
            content: "A draft, for the purchaser to check and post",
            trigger: ".o_form_view .o_statusbar_status button:not(.d-none):contains(Entwurf)",
        },
        {
            trigger: `.o_form_view .o_field_widget[name=invoice_line_ids] .o_data_row:contains(${ACER})`,
        },
        ...screenshot("7-rechnungsentwurf"),
    ],
});

// A colleague shares a product from ITscope: the product Odoo has opens at once.
tours.add("itscope_day_6_share", {
    steps: () => [
        {
            content: "The shared product's form",
            trigger: `.o_form_view .o_field_widget[name=name]:contains(${ACER}), .o_form_view .o_field_widget[name=name] textarea`,
        },
        {
            trigger: `.o_breadcrumb:contains(${ACER})`,
        },
        ...screenshot("8-geteiltes-produkt"),
    ],
});

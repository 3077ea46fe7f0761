/** @odoo-module */

import { registry } from "@web/core/registry";

const tours = registry.category("web_tour.tours");

// Item 7: the distributor is a list that opens a form (partial shipment, shipping cost, link, accounts).
tours.add("itscope_distributor_form_tour", {
    steps: () => [
        {
            content: "Open the distributor from the list",
            trigger: ".o_data_row .o_data_cell[name=name]:contains(ITscope Partner-Test)",
            run: "click",
        },
        {
            content: "Its form shows the ordering defaults, the link and the accounts",
            trigger: ".o_form_view div[name=customer_account_number]:contains(TEST-4711)",
        },
        {
            trigger: ".o_form_view div[name=deeplink] a",
        },
        {
            content: "Allow partial shipments",
            trigger: ".o_form_view div[name=partial_shipment_allowed] input",
            run: "click",
        },
        {
            content: "Save",
            trigger: ".o_form_button_save",
            run: "click",
        },
        {
            content: "Saved",
            trigger: ".o_form_view .o_form_saved",
        },
    ],
});

// Item 11: Add from ITscope in a wide dialog, nothing ticked, products already in Odoo not selectable.
tours.add("itscope_add_from_itscope_tour", {
    steps: () => [
        {
            content: "Purchase > ITscope",
            trigger: ".o_menu_sections [data-menu-xmlid='itscope_connector.menu_itscope_root']",
            run: "click",
        },
        {
            content: "Add from ITscope",
            trigger: "[data-menu-xmlid='itscope_connector.menu_itscope_product_search']",
            run: "click",
        },
        {
            content: "A wide dialog",
            trigger: ".modal-dialog.modal-xl div[name=query] input",
            run: "edit Notebook",
        },
        {
            content: "Search",
            trigger: ".modal-dialog.modal-xl button[name=action_search]",
            run: "click",
        },
        {
            content: "Each result shows its offers as a grid of badges",
            trigger: ".modal-dialog.modal-xl .o_data_row .o_itscope_offer .badge",
        },
        {
            content: "The product already in Odoo is marked and cannot be ticked",
            trigger:
                ".modal-dialog.modal-xl .o_data_row:has(td[name=product_tmpl_id] .badge) td[name=selected] input:disabled",
        },
        {
            content: "Nothing is ticked",
            trigger: ".modal-dialog.modal-xl .o_list_renderer:not(:has(td[name=selected] input:checked))",
        },
    ],
});

// Items 9 and 10: warnings on the RFQ, the status column, tracking on the receipt's main view.
tours.add("itscope_rfq_warning_tour", {
    steps: () => [
        {
            content: "The RFQ says before Confirm what ITscope would refuse",
            trigger: ".o_form_view .o_itscope_warning:contains(has no SKU for Cable without SKU)",
        },
    ],
});

tours.add("itscope_order_list_tour", {
    steps: () => [
        {
            content: "The purchase order list shows the ITscope status",
            trigger: ".o_list_view th[data-name=itscope_status]",
        },
    ],
});

tours.add("itscope_receipt_tracking_tour", {
    steps: () => [
        {
            content: "The receipt shows the tracking number on its main view",
            trigger: ".o_form_view div[name=itscope_tracking_ref]:contains(1Z999AA10123456784)",
        },
        {
            content: "and a link to follow the shipment",
            trigger: ".o_form_view div[name=itscope_tracking_url] a[href^='https://www.ups.com/track']",
        },
    ],
});

tours.add("itscope_order_tracking_tour", {
    steps: () => [
        {
            content: "The purchase order shows the tracking number and link too",
            trigger: ".o_form_view div[name=itscope_tracking_url] a[href^='https://www.ups.com/track']",
        },
    ],
});

/** @odoo-module */

import { registry } from "@web/core/registry";

// A purchaser opens the sandbox's draft quote (lines at two distributors) and turns it into RFQs.
registry.category("web_tour.tours").add("itscope_quote_tour", {
    steps: () => [
        {
            content: "The quotes synced from ITscope are listed; open the draft one",
            trigger: ".o_data_row td[name=name]:contains(Arbeitsplätze Buchhaltung)",
            run: "click",
        },
        {
            content: "Create the RFQs of the quote",
            trigger: "button[name=action_itscope_create_rfqs]",
            run: "click",
        },
        {
            content: "Odoo says which RFQs the lines are on",
            trigger: ".o_notification_content:contains(lines are on the RFQs)",
        },
        {
            content: "The quote links to its RFQs",
            trigger: "button[name=action_view_purchases]:contains(RFQs)",
            run: "click",
        },
        {
            content: "One RFQ per distributor: two",
            trigger: ".o_list_renderer .o_data_row + .o_data_row",
        },
    ],
});

/** @odoo-module */

import { registry } from "@web/core/registry";

// A purchaser pushes an RFQ to an ITscope cart, has ITscope optimise it and accepts the split it brings back.
registry.category("web_tour.tours").add("itscope_cart_tour", {
    steps: () => [
        {
            content: "Send the RFQ to an ITscope cart",
            trigger: "button[name=action_itscope_send_to_cart]",
            run: "click",
        },
        {
            content: "Odoo says the lines are in the cart",
            trigger: ".o_notification_content:contains(lines are in ITscope cart)",
        },
        {
            content: "Optimise the cart on ITscope",
            trigger: "button[name=action_itscope_optimise_cart]",
            run: "click",
        },
        {
            content: "ITscope's choice is proposed line by line",
            trigger: ".modal .o_data_row td[name=reason]:contains(chosen by ITscope)",
        },
        {
            content: "Accept it: the RFQ is split by distributor",
            trigger: ".modal button[name=action_apply]",
            run: "click",
        },
        {
            content: "The RFQs by distributor are listed",
            trigger: ".o_list_renderer .o_data_row + .o_data_row",
        },
    ],
});
